// The test runner behind `npm test`: starts a throwaway PostgreSQL server so that
// store tests run against PostgreSQL for real (never silently skipped), then runs
// Node's test runner on every *.test.ts with TILEFLOW_TEST_PG_URL pointing at it.
//
//   npm test                      # everything under src/ and test/
//   npm test -- src/track         # only test files under these paths
//   npm test -- --test-name-pattern=runs   # options starting with - go to node --test
//
// Set TILEFLOW_TEST_PG_URL yourself to use an existing server instead (the role
// needs CREATEDB: each test creates and drops its own database).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TEST_ROOTS = ['src', 'test'];
const PG_ROLE = 'tileflow';

/** What has to be undone on the way out, whatever the way out is. */
const state = { tmp: null, pg: null, child: null, signal: null, cleanedUp: false };

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

function findPostgresBin() {
  const base = '/usr/lib/postgresql';
  let versions = [];
  try {
    versions = fs.readdirSync(base).filter((v) => /^\d+(\.\d+)?$/.test(v));
  } catch {
    // no PostgreSQL at all: reported below
  }
  versions.sort((a, b) => Number(b) - Number(a));
  for (const version of versions) {
    const bin = path.join(base, version, 'bin');
    if (['initdb', 'pg_ctl', 'postgres'].every((tool) => fs.existsSync(path.join(bin, tool)))) {
      return { bin, version };
    }
  }
  const install = process.getuid?.() === 0 ? 'apt-get install -y postgresql' : 'sudo apt-get install -y postgresql';
  return fail(
    `PostgreSQL server binaries not found in ${base}/*/bin; the tests need them.\n` +
      `  Install them with: bash scripts/setup.sh --test   (or: ${install})\n` +
      '  or point TILEFLOW_TEST_PG_URL at an existing server.',
  );
}

function userExists(name) {
  return spawnSync('id', ['-u', name], { stdio: 'ignore' }).status === 0;
}

/**
 * initdb and postgres refuse to run as root, so as root they run as an
 * unprivileged user: Debian's `postgres` (made by the postgresql package), or one
 * of ours where that is missing (e.g. binaries unpacked without the package).
 */
function pickServerUser() {
  if (process.getuid?.() !== 0) return null;
  if (userExists('postgres')) return 'postgres';
  const user = 'tileflow-pg';
  if (!userExists(user)) {
    const made = spawnSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', user], {
      encoding: 'utf8',
    });
    if (made.status !== 0) fail(`could not create system user ${user}: ${made.stderr || made.error}`);
  }
  return user;
}

function asServerUser(user, command, args) {
  return user ? ['runuser', ['-u', user, '--', command, ...args]] : [command, args];
}

/** Runs a command to completion, keeping its output for error reports. */
function run(command, args) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', (error) => resolve({ code: -1, output: output + String(error) }));
    child.on('close', (code) => resolve({ code, output }));
  });
}

/** A free TCP port: bind to port 0, read what the kernel picked, release it. */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function logTail(file, lines = 30) {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

function checkInterrupted() {
  if (state.signal) fail(`interrupted by ${state.signal}`);
}

async function startPostgres() {
  const { bin, version } = findPostgresBin();
  const user = pickServerUser();
  const started = performance.now();

  // Under os.tmpdir() (/tmp): the server user must be able to traverse every parent.
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tileflow-pg-'));
  state.tmp = tmp;
  const dataDir = path.join(tmp, 'data');
  const logFile = path.join(tmp, 'pg.log');
  if (user) {
    const chown = spawnSync('chown', ['-R', user, tmp], { encoding: 'utf8' });
    if (chown.status !== 0) fail(`chown ${user} ${tmp} failed: ${chown.stderr || chown.error}`);
  }
  const tool = (name, args) => asServerUser(user, path.join(bin, name), args);

  // --locale=C: the same collation and no dependence on which locales the machine
  // has generated (initdb fails on a LANG that is set but not installed).
  const initdb = await run(
    ...tool('initdb', ['-D', dataDir, '-U', PG_ROLE, '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync']),
  );
  if (initdb.code !== 0) fail(`initdb failed (exit ${initdb.code}):\n${initdb.output.trimEnd()}`);
  const initdbMs = performance.now() - started;
  checkInterrupted();

  // The free port can be taken between our probe and the server's bind: retry then.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    // Durability settings off: the data is thrown away, and fsyncs dominate DDL time.
    const options = [
      '-c listen_addresses=127.0.0.1',
      `-p ${port}`,
      `-k '${tmp}'`,
      '-c fsync=off',
      '-c synchronous_commit=off',
      '-c full_page_writes=off',
      '-c max_connections=200',
    ].join(' ');
    state.pg = { user, bin, dataDir };
    const start = await run(...tool('pg_ctl', ['-D', dataDir, '-o', options, '-w', '-l', logFile, 'start']));
    checkInterrupted();
    if (start.code === 0) {
      const totalMs = performance.now() - started;
      log(
        `PostgreSQL ${version} ready on 127.0.0.1:${port} in ${Math.round(totalMs)} ms ` +
          `(initdb ${Math.round(initdbMs)} ms, start ${Math.round(totalMs - initdbMs)} ms)` +
          (user ? `, running as ${user}` : ''),
      );
      return `postgres://${PG_ROLE}@127.0.0.1:${port}/postgres`;
    }
    const tail = logTail(logFile);
    if (attempt < 3 && /could not bind|Address already in use/i.test(tail)) {
      log(`port ${port} was taken, retrying`);
      continue;
    }
    fail(`PostgreSQL did not start (pg_ctl exit ${start.code}):\n${start.output.trimEnd()}\n--- ${logFile} (tail) ---\n${tail}`);
  }
}

/** Synchronous, so that it also works from the 'exit' handler; safe to call twice. */
function cleanup() {
  if (state.cleanedUp) return;
  state.cleanedUp = true;
  if (state.pg) {
    const { user, bin, dataDir } = state.pg;
    // Stops a server that pg_ctl start left running even when start "failed" (timeout).
    if (fs.existsSync(path.join(dataDir, 'postmaster.pid'))) {
      const [command, args] = asServerUser(user, path.join(bin, 'pg_ctl'), ['-D', dataDir, '-m', 'fast', '-w', 'stop']);
      const stop = spawnSync(command, args, { encoding: 'utf8' });
      if (stop.status !== 0) log(`pg_ctl stop failed: ${(stop.stderr || stop.stdout || String(stop.error)).trim()}`);
    }
  }
  if (state.tmp) fs.rmSync(state.tmp, { recursive: true, force: true });
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
  else url = await startPostgres();
  checkInterrupted();

  return runTests(files, nodeOptions, { ...process.env, TILEFLOW_TEST_PG_URL: url });
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    // The test runner exits on its own (then we clean up); during startup the
    // pending step finishes, sees the flag and unwinds.
    state.signal ??= signal;
    state.child?.kill(signal);
  });
}
process.on('exit', cleanup);

let exitCode;
try {
  exitCode = await main();
} catch (error) {
  log(error.expected ? error.message : error.stack);
  exitCode = 1;
}
cleanup();
// An interrupted run never reads as a pass.
if (state.signal && (exitCode === 0 || exitCode === 1)) exitCode = 128 + os.constants.signals[state.signal];
process.exit(exitCode);
