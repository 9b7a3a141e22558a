// Runs a command beside a throwaway PostgreSQL server (scripts/postgres.mjs), for benchmarks and
// one-off checks that need the team backend:
//
//   node scripts/with-postgres.mjs CMD [ARGS...]
//   node scripts/with-postgres.mjs node --import tsx bench/tracking.bench.ts --runs 1000
//
// CMD runs with TILEFLOW_TEST_PG_URL pointing at the server (role `tileflow`, may CREATE DATABASE);
// the server is stopped and its files deleted afterwards, and this exits with CMD's exit code.
// With TILEFLOW_TEST_PG_URL already set, that server is used and none is started.
import { spawn } from 'node:child_process';
import os from 'node:os';
import { startPostgres } from './postgres.mjs';

function log(message) {
  process.stderr.write(`with-postgres: ${message}\n`);
}

const [command, ...args] = process.argv.slice(2);
if (!command) {
  log('usage: node scripts/with-postgres.mjs CMD [ARGS...]');
  process.exit(2);
}

const state = { child: null, signal: null, pg: null };
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    // CMD gets the signal and exits on its own (then we stop the server); during startup the
    // pending step finishes, sees the flag and unwinds.
    state.signal ??= signal;
    state.child?.kill(signal);
  });
}

function runCommand(env) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { env, stdio: 'inherit' });
    state.child = child;
    child.on('error', (error) => {
      log(`could not start ${command}: ${error.message}`);
      resolve(127);
    });
    child.on('exit', (code, signal) => {
      state.child = null;
      resolve(code ?? 128 + (os.constants.signals[signal] ?? 1));
    });
  });
}

async function main() {
  let url = process.env.TILEFLOW_TEST_PG_URL;
  if (url) log('using PostgreSQL from TILEFLOW_TEST_PG_URL');
  else {
    state.pg = await startPostgres({ log });
    url = state.pg.url;
  }
  if (state.signal) {
    const error = new Error(`interrupted by ${state.signal}`);
    error.expected = true;
    throw error;
  }
  return runCommand({ ...process.env, TILEFLOW_TEST_PG_URL: url });
}

let exitCode;
try {
  exitCode = await main();
} catch (error) {
  log(error.expected ? error.message : error.stack);
  exitCode = 1;
}
await state.pg?.stop();
if (state.signal && (exitCode === 0 || exitCode === 1)) exitCode = 128 + os.constants.signals[state.signal];
process.exit(exitCode);
