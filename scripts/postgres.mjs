// A throwaway PostgreSQL server on loopback, for the test runner (scripts/test.mjs), the benchmark
// wrapper (scripts/with-postgres.mjs) and anything else that needs a real server for a while.
//
//   const pg = await startPostgres({ log: (m) => process.stderr.write(`x: ${m}\n`) });
//   ... use pg.url (postgres://tileflow@127.0.0.1:PORT/postgres, trust auth, CREATEDB) ...
//   await pg.stop();
//
// It uses the newest /usr/lib/postgresql/*/bin, runs initdb in a fresh temp dir (as the `postgres`
// user when we are root: initdb and postgres refuse to run as root), picks a free port (retrying when
// another process takes it first), and turns durability off since the data is thrown away. The server
// is stopped and the temp dir removed on stop(), on process exit, and on SIGINT/SIGTERM.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const PG_ROLE = 'tileflow';
const SIGNALS = ['SIGINT', 'SIGTERM'];

/** Servers started by this process and not stopped yet: the exit and signal handlers stop them. */
const live = new Set();
/** The first SIGINT/SIGTERM received while a server was starting or running. */
let received = null;

function fail(message) {
  const error = new Error(message);
  error.expected = true; // printed without a stack: the message says what to do
  throw error;
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

/** Synchronous, so that it also works from the 'exit' handler; safe to call twice. */
function cleanup(instance, log) {
  if (instance.cleanedUp) return;
  instance.cleanedUp = true;
  live.delete(instance);
  if (instance.pg) {
    const { user, bin, dataDir } = instance.pg;
    // Stops a server that pg_ctl start left running even when start "failed" (timeout).
    if (fs.existsSync(path.join(dataDir, 'postmaster.pid'))) {
      const [command, args] = asServerUser(user, path.join(bin, 'pg_ctl'), ['-D', dataDir, '-m', 'fast', '-w', 'stop']);
      const stop = spawnSync(command, args, { encoding: 'utf8' });
      if (stop.status !== 0) log(`pg_ctl stop failed: ${(stop.stderr || stop.stdout || String(stop.error)).trim()}`);
    }
  }
  if (instance.tmp) fs.rmSync(instance.tmp, { recursive: true, force: true });
  if (live.size === 0) unwatch();
}

function cleanupAll() {
  for (const instance of [...live]) cleanup(instance, instance.log);
}

/**
 * On SIGINT/SIGTERM: remember it (a start in progress unwinds at its next step). When nobody else
 * handles the signal, exit as the signal would have, stopping the servers on the way out; a caller
 * that handles it (the test runner forwards it to its child) decides when to exit itself.
 */
function onSignal(signal) {
  received ??= signal;
  if (process.listenerCount(signal) <= 1) {
    cleanupAll();
    process.exit(128 + os.constants.signals[signal]);
  }
}

let watching = false;
function watch() {
  if (watching) return;
  watching = true;
  for (const signal of SIGNALS) process.on(signal, onSignal);
  process.on('exit', cleanupAll);
}

function unwatch() {
  if (!watching) return;
  watching = false;
  for (const signal of SIGNALS) process.off(signal, onSignal);
  process.off('exit', cleanupAll);
}

function checkInterrupted() {
  if (received) fail(`interrupted by ${received}`);
}

/**
 * Starts a throwaway PostgreSQL server on 127.0.0.1 and resolves to its URL (role `tileflow`, trust
 * auth, may CREATE DATABASE) and a `stop()` that stops it and deletes its files. Rejects with an
 * error whose `expected` flag says the message alone explains it (binaries missing, initdb failed).
 */
export async function startPostgres({ log = (message) => process.stderr.write(`postgres: ${message}\n`) } = {}) {
  const { bin, version } = findPostgresBin();
  const user = pickServerUser();
  const started = performance.now();
  const instance = { tmp: null, pg: null, cleanedUp: false, log };
  live.add(instance);
  watch();
  try {
    // Under os.tmpdir() (/tmp): the server user must be able to traverse every parent.
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tileflow-pg-'));
    instance.tmp = tmp;
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
      instance.pg = { user, bin, dataDir };
      const start = await run(...tool('pg_ctl', ['-D', dataDir, '-o', options, '-w', '-l', logFile, 'start']));
      checkInterrupted();
      if (start.code === 0) {
        const totalMs = performance.now() - started;
        log(
          `PostgreSQL ${version} ready on 127.0.0.1:${port} in ${Math.round(totalMs)} ms ` +
            `(initdb ${Math.round(initdbMs)} ms, start ${Math.round(totalMs - initdbMs)} ms)` +
            (user ? `, running as ${user}` : ''),
        );
        return {
          url: `postgres://${PG_ROLE}@127.0.0.1:${port}/postgres`,
          version,
          async stop() {
            cleanup(instance, log);
          },
        };
      }
      const tail = logTail(logFile);
      if (attempt < 3 && /could not bind|Address already in use/i.test(tail)) {
        log(`port ${port} was taken, retrying`);
        continue;
      }
      fail(`PostgreSQL did not start (pg_ctl exit ${start.code}):\n${start.output.trimEnd()}\n--- ${logFile} (tail) ---\n${tail}`);
    }
  } catch (error) {
    cleanup(instance, log);
    throw error;
  }
}
