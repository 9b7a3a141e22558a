import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../server/app.js';
import { openTracking, type Tracking } from '../track/service.js';
import { tileAt } from '../geo/tiles.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const MAIN = path.join(ROOT, 'src/cli/main.ts');
const MISSING_RUN = '0123456789abcdef0123456789abcdef';

/** The environment of a child CLI: none of the caller's tracking settings leak in. */
function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of Object.keys(env)) if (/^(MLFLOW_|TILEFLOW_)/.test(name)) delete env[name];
  return { ...env, ...extra };
}

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the real CLI in a child process (asynchronously: a server in this process must keep answering). */
function tileflow(args: string[], env: NodeJS.ProcessEnv): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], { cwd: ROOT, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Two finished runs of "eurosat" that share `epochs` and differ in `lr`, plus a dataset input and tags. */
async function seed(tracking: Tracking): Promise<{ experimentId: string; a: string; b: string }> {
  const experimentId = await tracking.runs.createExperiment('eurosat');
  const start = Date.UTC(2024, 4, 1, 12, 0, 0);
  const ids: string[] = [];
  for (const [name, lr, acc, loss] of [
    ['cnn-lr01', '0.01', 0.912, 0.31],
    ['cnn-lr1', '0.1', 0.874, 0.42],
  ] as const) {
    const run = await tracking.runs.createRun({ experimentId, runName: name, startTime: start, tags: [{ key: 'mlflow.source.name', value: 'train.py' }] });
    await tracking.runs.logBatch(run.info.runId, {
      params: [
        { key: 'lr', value: lr },
        { key: 'epochs', value: '10' },
      ],
      metrics: [
        { key: 'acc', value: acc, timestamp: start + 60_000, step: 9 },
        { key: 'loss', value: loss, timestamp: start + 60_000, step: 9 },
      ],
      tags: [{ key: 'purpose', value: 'baseline' }],
    });
    await tracking.runs.logInputs(run.info.runId, [
      {
        tags: [{ key: 'mlflow.data.context', value: 'training' }],
        dataset: { name: 'eurosat-rgb', digest: 'abc123', sourceType: 'local', source: '/data/eurosat' },
      },
    ]);
    await tracking.runs.updateRun(run.info.runId, { status: 'FINISHED', endTime: start + 125_000 });
    ids.push(run.info.runId);
  }
  return { experimentId, a: ids[0], b: ids[1] };
}

/** The table line that holds `text`. */
function lineWith(output: string, text: string): string {
  const line = output.split('\n').find((l) => l.includes(text));
  assert.ok(line, `no line with ${text} in:\n${output}`);
  return line;
}

/** A user mistake: one `error:` line, exit code 1, no stack trace. */
function assertUserError(result: Result, pattern: RegExp): void {
  assert.equal(result.code, 1, `exit code 1 expected, got ${result.code}: ${result.stderr}`);
  assert.match(result.stderr, /^error: /);
  assert.match(result.stderr, pattern);
  assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
  assert.equal(result.stderr.trim().split('\n').length, 1, 'one line');
}

/** The same read commands, against the embedded store and against a server. */
function readCommandTests(context: () => { args: string[]; env: NodeJS.ProcessEnv; ids: { experimentId: string; a: string; b: string } }) {
  const run = (...args: string[]) => tileflow([...context().args, ...args], context().env);

  test('experiments list --json', async () => {
    const result = await run('experiments', 'list', '--json');
    assert.equal(result.code, 0, result.stderr);
    const experiments = JSON.parse(result.stdout) as { name: string; experimentId: string }[];
    assert.deepEqual(
      experiments.map((e) => e.name),
      ['Default', 'eurosat'],
    );
    assert.equal(experiments[1].experimentId, context().ids.experimentId);
  });

  test('experiments list (table)', async () => {
    const result = await run('experiments', 'list');
    assert.equal(result.code, 0, result.stderr);
    assert.match(lineWith(result.stdout, 'eurosat'), /│ 1\s+│ eurosat\s+│ active/);
  });

  test('runs list shows run names, status, duration and a metric column', async () => {
    const result = await run('runs', 'list', '--experiment', 'eurosat');
    assert.equal(result.code, 0, result.stderr);
    const header = lineWith(result.stdout, 'run id');
    for (const column of ['name', 'status', 'start', 'duration', 'metrics.acc', 'metrics.loss']) assert.ok(header.includes(column), column);
    const row = lineWith(result.stdout, 'cnn-lr01');
    assert.ok(row.includes(context().ids.a));
    assert.ok(row.includes('FINISHED'));
    assert.ok(row.includes('2024-05-01T12:00:00Z'));
    assert.ok(row.includes('2m 05s'));
    assert.ok(row.includes('0.912'));
    assert.ok(lineWith(result.stdout, 'cnn-lr1 ').includes('0.874'));
  });

  test('runs list with filter, order, columns', async () => {
    const ordered = await run('runs', 'list', '--experiment-id', context().ids.experimentId, '--order-by', 'metrics.acc ASC', '--columns', 'params.lr');
    assert.equal(ordered.code, 0, ordered.stderr);
    assert.ok(ordered.stdout.indexOf('cnn-lr1 ') < ordered.stdout.indexOf('cnn-lr01'), 'ascending accuracy');
    assert.ok(lineWith(ordered.stdout, 'run id').includes('params.lr'));
    assert.ok(!lineWith(ordered.stdout, 'run id').includes('metrics.acc'), 'only the chosen columns');

    const filtered = await run('runs', 'list', '--experiment', 'eurosat', '--filter', 'metrics.acc > 0.9', '--json');
    assert.equal(filtered.code, 0, filtered.stderr);
    assert.deepEqual(
      (JSON.parse(filtered.stdout) as { info: { runName: string } }[]).map((r) => r.info.runName),
      ['cnn-lr01'],
    );
  });

  test('runs show prints info, params, metrics, user tags and inputs', async () => {
    const result = await run('runs', 'show', context().ids.a);
    assert.equal(result.code, 0, result.stderr);
    assert.match(lineWith(result.stdout, '│ name'), /cnn-lr01/);
    assert.match(lineWith(result.stdout, '│ experiment'), /1 \(eurosat\)/);
    assert.match(lineWith(result.stdout, '│ lr '), /0\.01/);
    assert.match(lineWith(result.stdout, '│ acc '), /0\.912 .*│ 9 /);
    assert.match(lineWith(result.stdout, '│ purpose'), /baseline/);
    assert.ok(!result.stdout.includes('mlflow.source.name'), 'mlflow.* tags hidden by default');
    assert.match(lineWith(result.stdout, 'eurosat-rgb'), /abc123.*training/);

    const all = await run('runs', 'show', context().ids.a, '--all-tags');
    assert.match(lineWith(all.stdout, 'mlflow.source.name'), /train\.py/);

    const asJson = await run('runs', 'show', context().ids.a, '--json');
    const parsed = JSON.parse(asJson.stdout) as { info: { runId: string }; data: { params: { key: string; value: string }[] } };
    assert.equal(parsed.info.runId, context().ids.a);
    assert.deepEqual(parsed.data.params.find((p) => p.key === 'lr'), { key: 'lr', value: '0.01' });
  });

  test('runs compare marks differing rows', async () => {
    const result = await run('runs', 'compare', context().ids.a, context().ids.b);
    assert.equal(result.code, 0, result.stderr);
    assert.match(lineWith(result.stdout, 'params.lr'), /^│ \* │ params\.lr\s+│ 0\.01\s+│ 0\.1\s+│$/);
    assert.match(lineWith(result.stdout, 'params.epochs'), /^│\s+│ params\.epochs\s+│ 10\s+│ 10\s+│$/);
    assert.match(lineWith(result.stdout, 'metrics.acc'), /^│ \* │/);
    assert.ok(lineWith(result.stdout, 'cnn-lr01').includes('cnn-lr1 '), 'one column per run');

    const asJson = await run('runs', 'compare', context().ids.a, context().ids.b, '--json');
    const parsed = JSON.parse(asJson.stdout) as { params: { key: string; differs: boolean; values: unknown[] }[] };
    assert.deepEqual(
      parsed.params.map((p) => [p.key, p.differs, p.values]),
      [
        ['epochs', false, ['10', '10']],
        ['lr', true, ['0.01', '0.1']],
      ],
    );
  });

  test('an unknown run id is one error line and exit code 1', async () => {
    assertUserError(await run('runs', 'show', MISSING_RUN), /not found|does not exist/i);
    assertUserError(await run('runs', 'compare', context().ids.a, MISSING_RUN), /not found|does not exist/i);
  });

  test('a bad filter and an unknown experiment are user errors', async () => {
    assertUserError(await run('runs', 'list', '--experiment', 'eurosat', '--filter', 'metrics.acc >>> 1'), /comparator/i);
    assertUserError(await run('runs', 'list', '--experiment', 'no-such-experiment'), /no-such-experiment/);
  });
}

describe('tileflow on the embedded store ($TILEFLOW_HOME)', () => {
  let home: string;
  let ids: { experimentId: string; a: string; b: string };

  before(async () => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'tileflow-cli-'));
    // The same files loadConfig() derives from TILEFLOW_HOME.
    const tracking = await openTracking({ databaseUrl: `sqlite:${path.join(home, 'tileflow.db')}`, artifactsRoot: path.join(home, 'artifacts') });
    ids = await seed(tracking);
    await tracking.close();
  });
  after(() => fs.rmSync(home, { recursive: true, force: true }));

  readCommandTests(() => ({ args: [], env: childEnv({ TILEFLOW_HOME: home }), ids }));

  test('usage errors exit with code 2', async () => {
    const env = childEnv({ TILEFLOW_HOME: home });
    const missing = await tileflow(['runs', 'list'], env);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /^error: give one of --experiment-id ID or --experiment NAME/);
    const unknown = await tileflow(['runs', 'lst'], env);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown command 'lst'/);
    const badView = await tileflow(['experiments', 'list', '--view', 'gone'], env);
    assert.equal(badView.code, 2);
    const help = await tileflow(['runs', '--help'], env);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /compare/);
  });

  test('an unsupported tracking URI is a user error', async () => {
    assertUserError(await tileflow(['--tracking-uri', 'file:///tmp/mlruns', 'experiments', 'list'], childEnv({ TILEFLOW_HOME: home })), /unsupported tracking URI/);
  });
});

describe('tileflow against a live server (--tracking-uri http://…)', () => {
  let tmp: string;
  let tracking: Tracking;
  let app: FastifyInstance;
  let url: string;
  let ids: { experimentId: string; a: string; b: string };

  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tileflow-cli-http-'));
    tracking = await openTracking({ databaseUrl: `sqlite:${path.join(tmp, 'db')}`, artifactsRoot: path.join(tmp, 'art') });
    ids = await seed(tracking);
    app = await buildApp({ tracking });
    await app.listen({ port: 0, host: '127.0.0.1' });
    url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await app.close();
    await tracking.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  // An empty TILEFLOW_HOME proves the data comes from the server, not a local store.
  readCommandTests(() => ({ args: ['--tracking-uri', url], env: childEnv({ TILEFLOW_HOME: path.join(tmp, 'empty-home') }), ids }));

  test('MLFLOW_TRACKING_URI names the server too', async () => {
    const result = await tileflow(['runs', 'list', '--experiment', 'eurosat', '--json'], childEnv({ MLFLOW_TRACKING_URI: url, TILEFLOW_HOME: path.join(tmp, 'empty-home') }));
    assert.equal(result.code, 0, result.stderr);
    assert.equal((JSON.parse(result.stdout) as unknown[]).length, 2);
  });

  test('a server that is down is one error line and exit code 1', async () => {
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    assertUserError(await tileflow(['--tracking-uri', `http://127.0.0.1:${port}`, 'experiments', 'list'], childEnv()), /cannot reach .*ECONNREFUSED/);
  });
});

describe('tileflow up', () => {
  let home: string;
  before(() => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'tileflow-up-'));
  });
  after(() => fs.rmSync(home, { recursive: true, force: true }));

  async function freePort(): Promise<number> {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    return port;
  }

  /** Resolves with the first stdout line matching `pattern`; rejects if the process ends first. */
  function waitForLine(child: ChildProcess, pattern: RegExp): Promise<RegExpExecArray> {
    return new Promise((resolve, reject) => {
      let buffered = '';
      let stderr = '';
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${pattern}; stderr: ${stderr}`)), 30_000);
      child.stderr!.on('data', (chunk) => (stderr += chunk));
      child.stdout!.on('data', (chunk) => {
        buffered += chunk;
        const match = pattern.exec(buffered);
        if (match) {
          clearTimeout(timer);
          resolve(match);
        }
      });
      child.on('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`exited with ${code} before ${pattern}; stderr: ${stderr}`));
      });
    });
  }

  test('serves until SIGTERM, then exits 0', async () => {
    const port = await freePort();
    const tci = path.resolve(ROOT, '../shared/fixtures/cog/titiler/TCI.tif');
    const args = ['--import', 'tsx', MAIN, 'up', '--port', String(port), '--home', home, '--imagery', `tci=${tci}`];
    const child = spawn(process.execPath, args, { cwd: ROOT, env: childEnv() });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
    try {
      const match = await waitForLine(child, /tileflow listening on (http:\/\/127\.0\.0\.1:(\d+)) \(store: (.*)\)\n/);
      assert.equal(Number(match[2]), port);
      assert.equal(match[3], `sqlite ${path.join(home, 'tileflow.db')}`);
      const health = await fetch(`${match[1]}/health`);
      assert.equal(health.status, 200);
      assert.equal(await health.text(), 'OK');
      const page = await fetch(`${match[1]}/`);
      assert.match(page.headers.get('content-type') ?? '', /text\/html/);
      // The web UI's page where it is built (setup builds it), the plain home page listing experiments where not.
      assert.match(await page.text(), /<div id="root">|<html[\s\S]*Default/);
      const experiments = await (await fetch(`${match[1]}/api/2.0/mlflow/experiments/search?max_results=10`)).json();
      assert.ok(experiments.experiments.some((e: { name: string }) => e.name === 'Default'), 'the store behind the server holds the Default experiment');
      assert.ok(fs.existsSync(path.join(home, 'tileflow.db')), 'the store lives under --home');
      // --imagery serves a real COG as map tiles: TileJSON, then the PNG tile at its centre.
      const tilejson = await (await fetch(`${match[1]}/tiles/imagery/tci/tilejson.json`)).json();
      const [west, south, east, north] = tilejson.bounds as number[];
      const zoom = tilejson.maxzoom as number;
      const tile = tileAt((west + east) / 2, (south + north) / 2, zoom);
      const png = await fetch(`${match[1]}/tiles/imagery/tci/${zoom}/${tile.x}/${tile.y}.png`);
      assert.equal(png.status, 200);
      assert.equal(png.headers.get('content-type'), 'image/png');
      const bytes = Buffer.from(await png.arrayBuffer());
      assert.deepEqual([...bytes.subarray(1, 4)], [...Buffer.from('PNG')]);
    } finally {
      child.kill('SIGTERM');
    }
    assert.deepEqual(await exited, { code: 0, signal: null });
  });

  test('a port in use is one error line and exit code 1', async () => {
    const busy = net.createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const port = (busy.address() as AddressInfo).port;
    try {
      const result = await tileflow(['up', '--port', String(port), '--home', home], childEnv());
      assertUserError(result, new RegExp(`port ${port} on 127\\.0\\.0\\.1 is already in use`));
    } finally {
      await new Promise<void>((resolve) => busy.close(() => resolve()));
    }
  });

  test('a bad --port is a usage error', async () => {
    const result = await tileflow(['up', '--port', 'http'], childEnv());
    assert.equal(result.code, 2);
    assert.match(result.stderr, /^error: option '--port <port>' argument 'http' is invalid/);
  });
});
