// The test runner behind `npm test`: starts a throwaway PostgreSQL server (scripts/postgres.mjs) so that
// store tests run against PostgreSQL for real (never silently skipped), then runs
// Node's test runner on every *.test.ts with TILEFLOW_TEST_PG_URL pointing at it.
//
//   npm test                      # everything under src/ and test/
//   npm test -- src/track         # only test files under these paths
//   npm test -- --test-name-pattern=runs   # options starting with - go to node --test
//
// Timing tests (*.perf.test.ts, e.g. the runs page with 10,000 runs in Chromium) run last, alone.
//
// Set TILEFLOW_TEST_PG_URL yourself to use an existing server instead (the role
// needs CREATEDB: each test creates and drops its own database).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startPostgres } from './postgres.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TEST_ROOTS = ['src', 'test'];

/** What has to be undone on the way out, whatever the way out is. */
const state = { pg: null, child: null, signal: null };

function log(message) {
  process.stderr.write(`test: ${message}\n`);
}

function fail(message) {
  const error = new Error(message);
  error.expected = true; // printed without a stack: the message says what to do
  throw error;
}

function collectTestFiles(dir, out) {
  let entries;
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch (error) {
    if (error.code === 'ENOENT') return out;
    throw error;
  }
  for (const entry of entries) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) collectTestFiles(full, out);
    else if (entry.isFile() && entry.name.endsWith('.test.ts')) out.push(full);
  }
  return out;
}

function selectTestFiles(filters) {
  const all = TEST_ROOTS.flatMap((dir) => collectTestFiles(path.join(root, dir), [])).sort();
  if (filters.length === 0) return all;
  const wanted = filters.map((filter) => path.resolve(filter));
  for (const filter of wanted) {
    if (!fs.existsSync(filter)) fail(`no such test path: ${path.relative(root, filter) || filter}`);
  }
  return all.filter((file) => wanted.some((w) => file === w || file.startsWith(w + path.sep)));
}

function runTests(files, nodeOptions, env) {
  const args = [
    '--import',
    'tsx',
    '--test',
    '--test-concurrency=2',
    '--test-reporter=spec',
    '--test-reporter-destination=stdout',
    ...nodeOptions,
    ...files.map((file) => path.relative(root, file)),
  ];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: root, env, stdio: 'inherit' });
    state.child = child;
    child.on('error', (error) => {
      log(`could not start the test runner: ${error.message}`);
      resolve(1);
    });
    child.on('exit', (code, signal) => {
      state.child = null;
      resolve(code ?? 128 + (os.constants.signals[signal] ?? 1));
    });
  });
}

async function main() {
  const argv = process.argv.slice(2);
  const nodeOptions = argv.filter((arg) => arg.startsWith('-'));
  const files = selectTestFiles(argv.filter((arg) => !arg.startsWith('-')));
  if (files.length === 0) fail(`no *.test.ts files under ${argv.length ? argv.join(' ') : TEST_ROOTS.join(', ')}`);

  let url = process.env.TILEFLOW_TEST_PG_URL;
  if (url) log(`using PostgreSQL from TILEFLOW_TEST_PG_URL`);
  else {
    state.pg = await startPostgres({ log });
    url = state.pg.url;
  }
  if (state.signal) fail(`interrupted by ${state.signal}`);

  // Timing tests (*.perf.test.ts) assert wall-clock limits, so they run after the rest, one at a
  // time, where other test files cannot load the CPU under them.
  const env = { ...process.env, TILEFLOW_TEST_PG_URL: url };
  const timed = files.filter((file) => file.endsWith('.perf.test.ts'));
  const untimed = files.filter((file) => !file.endsWith('.perf.test.ts'));
  let code = untimed.length ? await runTests(untimed, nodeOptions, env) : 0;
  if (timed.length && !state.signal) {
    log(`timing tests, alone: ${timed.map((file) => path.relative(root, file)).join(', ')}`);
    code = Math.max(code, await runTests(timed, ['--test-concurrency=1', ...nodeOptions], env));
  }
  return code;
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    // The test runner exits on its own (then we clean up); during startup the
    // pending step finishes, sees the flag and unwinds.
    state.signal ??= signal;
    state.child?.kill(signal);
  });
}
// scripts/postgres.mjs also stops its server on exit, whatever the way out is.

let exitCode;
try {
  exitCode = await main();
} catch (error) {
  log(error.expected ? error.message : error.stack);
  exitCode = 1;
}
await state.pg?.stop();
// An interrupted run never reads as a pass.
if (state.signal && (exitCode === 0 || exitCode === 1)) exitCode = 128 + os.constants.signals[state.signal];
process.exit(exitCode);
