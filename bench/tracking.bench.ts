/**
 * Tracking-server benchmark: tileflow speaking MLflow's REST protocol over a real loopback socket, on
 * each metadata backend (embedded SQLite, team PostgreSQL). It measures what MLflow users complain
 * about (reference: shared/reference/mlflow-rest.md §9): write throughput of `runs/create`,
 * `runs/log-batch` and per-epoch `runs/log-metric`, and the latency of `runs/search`, metric history
 * and `get-history-bulk-interval` over an experiment of 10,000 runs with 20 metrics each.
 *
 *   npm run bench:tracking                                   # both backends, full size (PostgreSQL started for it)
 *   node --import tsx bench/tracking.bench.ts --backends sqlite --runs 1000
 *   node scripts/with-postgres.mjs node --import tsx bench/tracking.bench.ts --json > result.json
 *
 * Options: --runs N (10000), --metrics N (20), --steps N (5), --clients N (4), --backends sqlite,postgres,
 * --json (one JSON object on stdout; the table goes to stderr), --profile DIR (CPU profile of the server
 * for each phase, as DIR/<backend>-<phase>.cpuprofile; slows the server, so not for figures).
 *
 * The server runs in a child process (this file with --serve), as `tileflow up` would, so the client's
 * work does not share its event loop. Latency is from writing the request to the last byte of the
 * response. PostgreSQL comes from TILEFLOW_TEST_PG_URL (scripts/with-postgres.mjs sets it); each run
 * creates a fresh database there and drops it afterwards.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import pg from 'pg';

type Backend = 'sqlite' | 'postgres';

interface Options {
  runs: number;
  metrics: number;
  steps: number;
  clients: number;
  backends: Backend[];
  json: boolean;
  profileDir?: string;
}

// ---- the server side (child process) ----------------------------------------------------------------

type ServerRequest =
  | { id: number; type: 'start'; databaseUrl: string; artifactsRoot: string }
  | { id: number; type: 'usage' }
  | { id: number; type: 'profile-start' }
  | { id: number; type: 'profile-stop'; file: string }
  | { id: number; type: 'stop' };

/** A request before it gets its id (Omit that keeps the union apart). */
type ServerCommand = ServerRequest extends infer R ? (R extends ServerRequest ? Omit<R, 'id'> : never) : never;

/** Serves the tileflow app on 127.0.0.1:0 and answers the parent's requests over IPC. */
async function serve(): Promise<void> {
  const { buildApp } = await import('../src/server/app.js');
  const { openTracking } = await import('../src/track/service.js');
  const { Session } = await import('node:inspector/promises');
  let app: Awaited<ReturnType<typeof buildApp>> | undefined;
  let tracking: Awaited<ReturnType<typeof openTracking>> | undefined;
  let session: InstanceType<typeof Session> | undefined;
  const send = (message: object) => process.send!(message);

  // The parent went away (killed, interrupted): nothing is left to serve.
  process.on('disconnect', () => process.exit(0));
  process.on('message', async (message: ServerRequest) => {
    try {
      switch (message.type) {
        case 'start': {
          tracking = await openTracking({ databaseUrl: message.databaseUrl, artifactsRoot: message.artifactsRoot });
          app = await buildApp({ tracking });
          await app.listen({ host: '127.0.0.1', port: 0 });
          const address = app.server.address();
          send({ id: message.id, port: typeof address === 'object' && address ? address.port : 0 });
          break;
        }
        case 'usage':
          send({ id: message.id, cpu: process.cpuUsage(), rss: process.memoryUsage().rss });
          break;
        case 'profile-start':
          session = new Session();
          session.connect();
          await session.post('Profiler.enable');
          await session.post('Profiler.setSamplingInterval', { interval: 200 });
          await session.post('Profiler.start');
          send({ id: message.id });
          break;
        case 'profile-stop': {
          const { profile } = await session!.post('Profiler.stop');
          fs.writeFileSync(message.file, JSON.stringify(profile));
          session!.disconnect();
          session = undefined;
          send({ id: message.id });
          break;
        }
        case 'stop':
          await app?.close();
          await tracking?.close();
          send({ id: message.id });
          process.disconnect();
          break;
      }
    } catch (error) {
      send({ id: message.id, error: (error as Error).stack ?? String(error) });
    }
  });
}

/** The parent's handle on a server child. */
class ServerProcess {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(value: any): void; reject(error: Error): void }>();

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (message: { id: number; error?: string }) => {
      const waiter = this.pending.get(message.id);
      if (!waiter) return;
      this.pending.delete(message.id);
      if (message.error) waiter.reject(new Error(`server: ${message.error}`));
      else waiter.resolve(message);
    });
    child.on('exit', (code, signal) => {
      for (const waiter of this.pending.values()) waiter.reject(new Error(`server exited (${signal ?? code})`));
      this.pending.clear();
    });
  }

  static spawn(): ServerProcess {
    const child = fork(fileURLToPath(import.meta.url), ['--serve'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    liveChildren.add(child);
    child.on('exit', () => liveChildren.delete(child));
    return new ServerProcess(child);
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  request<T = any>(message: ServerCommand): Promise<T> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.child.send({ ...message, id });
    });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    await this.request({ type: 'stop' });
    await exited;
  }
}

// ---- cleanup on the way out -------------------------------------------------------------------------

const liveChildren = new Set<ChildProcess>();
const tempDirs = new Set<string>();

function cleanupSync(): void {
  for (const child of liveChildren) child.kill('SIGTERM');
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
  tempDirs.clear();
}

// ---- databases --------------------------------------------------------------------------------------

interface BenchDatabase {
  url: string;
  version: string;
  /**
   * Brings the database to the state a long-running server is in after a bulk load, so that the phases
   * after it do not measure background maintenance that happens to start then: PostgreSQL runs
   * VACUUM (ANALYZE) (autovacuum would, within minutes); SQLite needs nothing. Resolves to what it ran.
   */
  settle(): Promise<string | undefined>;
  drop(): Promise<void>;
}

function sqliteVersion(): string {
  const db = new Database(':memory:');
  try {
    return (db.prepare('SELECT sqlite_version() AS v').get() as { v: string }).v;
  } finally {
    db.close();
  }
}

async function withPgClient<T>(url: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

/** A fresh, empty database of that backend (SQLite: a file in a temp dir; PostgreSQL: a new database). */
async function createDatabase(backend: Backend): Promise<BenchDatabase> {
  if (backend === 'sqlite') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tileflow-bench-sqlite-'));
    tempDirs.add(dir);
    return {
      url: `sqlite:${path.join(dir, 'tileflow.db')}`,
      version: `SQLite ${sqliteVersion()} (better-sqlite3, WAL, synchronous=NORMAL)`,
      settle: async () => undefined,
      drop: async () => {
        fs.rmSync(dir, { recursive: true, force: true });
        tempDirs.delete(dir);
      },
    };
  }
  const serverUrl = process.env.TILEFLOW_TEST_PG_URL;
  if (!serverUrl) {
    throw new Error(
      'TILEFLOW_TEST_PG_URL is not set: run `npm run bench:tracking` (it starts a throwaway PostgreSQL server), ' +
        'or `node scripts/with-postgres.mjs node --import tsx bench/tracking.bench.ts`, or pass --backends sqlite.',
    );
  }
  // Random hex: safe unquoted, and no clash with a test run using the same server.
  const name = `tf_bench_${randomBytes(6).toString('hex')}`;
  const version = await withPgClient(serverUrl, async (client) => {
    await client.query(`CREATE DATABASE ${name}`);
    const settings = await client.query<{ name: string; setting: string }>(
      "SELECT name, setting FROM pg_settings WHERE name IN ('server_version', 'fsync', 'synchronous_commit')",
    );
    const s = Object.fromEntries(settings.rows.map((r) => [r.name, r.setting]));
    return `PostgreSQL ${s.server_version} (fsync=${s.fsync}, synchronous_commit=${s.synchronous_commit})`;
  });
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    version,
    settle: async () => {
      await withPgClient(url.toString(), (client) => client.query('VACUUM (ANALYZE)'));
      return 'VACUUM (ANALYZE)';
    },
    drop: () =>
      withPgClient(serverUrl, async (client) => {
        await client.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [name]);
        await client.query(`DROP DATABASE IF EXISTS ${name}`);
      }),
  };
}

// ---- the HTTP client --------------------------------------------------------------------------------

interface Response {
  status: number;
  body: any;
  bytes: number;
  /** From writing the request to the last byte of the response. */
  ms: number;
}

/** A keep-alive MLflow REST client, as MLflow's Python client keeps one `requests` session. */
class Client {
  private readonly agent: http.Agent;

  constructor(private readonly port: number, sockets: number) {
    this.agent = new http.Agent({ keepAlive: true, maxSockets: sockets });
  }

  /** Calls an RPC under /api/2.0/mlflow: GET sends `input` as a query string, POST as JSON. */
  call(method: 'GET' | 'POST', rpc: string, input: Record<string, unknown> = {}): Promise<Response> {
    let urlPath = `/api/2.0/mlflow/${rpc}`;
    let payload: Buffer | undefined;
    if (method === 'GET') {
      const query = new URLSearchParams();
      for (const [key, value] of Object.entries(input)) {
        for (const item of Array.isArray(value) ? value : [value]) query.append(key, String(item));
      }
      if ([...query.keys()].length) urlPath += `?${query}`;
    } else {
      payload = Buffer.from(JSON.stringify(input));
    }
    return new Promise((resolve, reject) => {
      const started = performance.now();
      const request = http.request(
        {
          host: '127.0.0.1',
          port: this.port,
          method,
          path: urlPath,
          agent: this.agent,
          headers: payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {},
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('error', reject);
          response.on('end', () => {
            const ms = performance.now() - started;
            const text = Buffer.concat(chunks);
            const status = response.statusCode ?? 0;
            let body: unknown;
            try {
              body = JSON.parse(text.toString('utf8'));
            } catch {
              body = text.toString('utf8');
            }
            if (status !== 200) reject(new Error(`${method} ${rpc} answered ${status}: ${text.toString('utf8').slice(0, 500)}`));
            else resolve({ status, body, bytes: text.length, ms });
          });
        },
      );
      request.on('error', reject);
      request.end(payload);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

// ---- measuring --------------------------------------------------------------------------------------

interface Latency {
  n: number;
  p50: number;
  p95: number;
  mean: number;
  max: number;
}

function latency(samples: number[]): Latency {
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = (q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
  const round = (x: number) => Math.round(x * 100) / 100;
  return {
    n: sorted.length,
    p50: round(rank(0.5)),
    p95: round(rank(0.95)),
    mean: round(sorted.reduce((a, b) => a + b, 0) / sorted.length),
    max: round(sorted[sorted.length - 1]),
  };
}

/** CPU ticks of the whole machine from /proc/stat: busy (other processes and PostgreSQL included), stolen by the host, total. */
function cpuTicks(): { busy: number; steal: number; total: number } | undefined {
  try {
    const fields = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal guest guest_nice; guest time is already in user.
    const total = fields.slice(0, 8).reduce((a, b) => a + (b || 0), 0);
    const idle = fields[3] + (fields[4] || 0);
    const steal = fields[7] || 0;
    return { busy: total - idle - steal, steal, total };
  } catch {
    return undefined;
  }
}

interface PhaseUsage {
  wallS: number;
  /** Seconds of CPU the tileflow server process used. */
  serverCpuS: number;
  /** Busy fraction of the whole machine (all cores), other processes and PostgreSQL included. */
  machineBusy: number | null;
  /** Fraction of the machine's CPU time the hypervisor gave to other guests (a noisy host slows every figure). */
  machineSteal: number | null;
}

/** Runs `body` as one measured phase: wall time, server CPU, machine load, and an optional server profile. */
async function phase<T>(ctx: BackendContext, name: string, body: () => Promise<T>): Promise<T & { usage: PhaseUsage }> {
  process.stderr.write(`  ${ctx.backend}: ${name} ...`);
  if (ctx.options.profileDir) await ctx.server.request({ type: 'profile-start' });
  const before = await ctx.server.request<{ cpu: NodeJS.CpuUsage }>({ type: 'usage' });
  const ticks = cpuTicks();
  const started = performance.now();
  const result = await body();
  const wallS = (performance.now() - started) / 1000;
  const ticksAfter = cpuTicks();
  const after = await ctx.server.request<{ cpu: NodeJS.CpuUsage }>({ type: 'usage' });
  if (ctx.options.profileDir) {
    const file = path.join(ctx.options.profileDir, `${ctx.backend}-${name}.cpuprofile`);
    await ctx.server.request({ type: 'profile-stop', file });
  }
  const serverCpuS = (after.cpu.user + after.cpu.system - before.cpu.user - before.cpu.system) / 1e6;
  const share = (pick: (t: { busy: number; steal: number }) => number) =>
    ticks && ticksAfter && ticksAfter.total > ticks.total ? (pick(ticksAfter) - pick(ticks)) / (ticksAfter.total - ticks.total) : null;
  const machineBusy = share((t) => t.busy);
  const machineSteal = share((t) => t.steal);
  process.stderr.write(` ${wallS.toFixed(1)} s\n`);
  const round = (x: number, d = 100) => Math.round(x * d) / d;
  return { ...result, usage: {
      wallS: round(wallS),
      serverCpuS: round(serverCpuS),
      machineBusy: machineBusy === null ? null : round(machineBusy),
      machineSteal: machineSteal === null ? null : round(machineSteal),
    },
  };
}

/** Runs `count` tasks over `concurrency` clients sharing one keep-alive agent; returns each task's latency. */
async function pool(count: number, concurrency: number, task: (index: number) => Promise<number>): Promise<number[]> {
  const latencies = new Array<number>(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      for (let i = next++; i < count; i = next++) latencies[i] = await task(i);
    }),
  );
  return latencies;
}

/** A small seeded PRNG (mulberry32): the same data every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// ---- the workload -----------------------------------------------------------------------------------

const FILTER_METRIC_THRESHOLD = 0.9;
const FILTER_PARAM_VALUE = 'v3';
const P1_VALUES = 10;

interface BackendContext {
  backend: Backend;
  options: Options;
  server: ServerProcess;
  client: Client;
}

/** What each run is given, kept to check the server's answers. */
interface RunData {
  runId: string;
  m0: number;
  m3: number;
  p1: string;
}

function batchFor(run: number, options: Options, t0: number, random: () => number) {
  const metrics: { key: string; value: number; timestamp: number; step: number }[] = [];
  const latest = new Map<string, number>();
  for (let step = 0; step < options.steps; step++) {
    for (let k = 0; k < options.metrics; k++) {
      const value = random();
      metrics.push({ key: `m${k}`, value, timestamp: t0 + run * 1000 + step, step });
      latest.set(`m${k}`, value);
    }
  }
  const p1 = `v${Math.floor(random() * P1_VALUES)}`;
  const params = [
    { key: 'p0', value: ['resnet18', 'resnet50', 'unet', 'eurosat-cnn'][run % 4] },
    { key: 'p1', value: p1 },
    { key: 'p2', value: String(10 ** -(1 + (run % 4))) },
    { key: 'p3', value: String(16 << run % 4) },
    { key: 'p4', value: run % 2 ? 'adam' : 'sgd' },
  ];
  const tags = [
    { key: 'team', value: `team-${run % 7}` },
    { key: 'seed', value: String(run) },
  ];
  return { metrics, params, tags, m0: latest.get('m0') ?? 0, m3: latest.get('m3') ?? 0, p1 };
}

const SINGLE_METRIC_REQUESTS = 2000;
const SEARCH_REPS = 20;
const PAGING_REPS = 3;
const HISTORY_REPS = 50;

async function benchBackend(backend: Backend, options: Options) {
  const database = await createDatabase(backend);
  const artifactsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tileflow-bench-artifacts-'));
  tempDirs.add(artifactsDir);
  const server = ServerProcess.spawn();
  let client: Client | undefined;
  try {
    const { port } = await server.request<{ port: number }>({ type: 'start', databaseUrl: database.url, artifactsRoot: artifactsDir });
    client = new Client(port, Math.max(options.clients, 1));
    const ctx: BackendContext = { backend, options, server, client };
    const c = client;
    const random = prng(42);
    const t0 = Date.UTC(2025, 0, 1);

    const experimentId: string = (await c.call('POST', 'experiments/create', { name: `bench-${backend}` })).body.experiment_id;
    const runs: RunData[] = new Array(options.runs);

    // 1. runs/create, several clients, as MLflow clients open runs at the start of training jobs.
    const create = await phase(ctx, 'create-runs', async () => {
      const ms = await pool(options.runs, options.clients, async (i) => {
        const response = await c.call('POST', 'runs/create', {
          experiment_id: experimentId,
          run_name: `run-${i}`,
          user_id: 'bench',
          start_time: t0 + i * 1000,
          tags: [
            { key: 'mlflow.user', value: 'bench' },
            { key: 'mlflow.source.name', value: 'train.py' },
            { key: 'mlflow.source.type', value: 'LOCAL' },
          ],
        });
        runs[i] = { runId: response.body.run.info.run_id, m0: 0, m3: 0, p1: '' };
        return response.ms;
      });
      return { requests: options.runs, latencyMs: latency(ms) };
    });

    // 2. runs/log-batch: every run gets all its metrics (metrics x steps rows), 5 params and 2 tags in one
    // request. The first half of the runs with one client, the second half with several.
    const batches = Array.from({ length: options.runs }, (_, i) => batchFor(i, options, t0, random));
    const half = Math.floor(options.runs / 2);
    const logBatch = async (name: string, from: number, to: number, clients: number) =>
      phase(ctx, name, async () => {
        const ms = await pool(to - from, clients, async (j) => {
          const i = from + j;
          const { metrics, params, tags, m0, m3, p1 } = batches[i];
          Object.assign(runs[i], { m0, m3, p1 });
          return (await c.call('POST', 'runs/log-batch', { run_id: runs[i].runId, metrics, params, tags })).ms;
        });
        return { requests: to - from, clients, metricRows: (to - from) * options.metrics * options.steps, latencyMs: latency(ms) };
      });
    const batchOne = await logBatch('log-batch-1-client', 0, half, 1);
    const batchMany = await logBatch(`log-batch-${options.clients}-clients`, half, options.runs, options.clients);

    // After the bulk load, the database is settled as autovacuum would settle it on a team server; on two
    // cores, an autovacuum of the 1M-row metrics table starting mid-phase would otherwise skew what follows.
    const settleStarted = performance.now();
    const settled = await database.settle();
    const settle = settled ? { ran: settled, seconds: Math.round((performance.now() - settleStarted) / 10) / 100 } : undefined;
    if (settle) process.stderr.write(`  ${backend}: ${settle.ran} after the bulk load ... ${settle.seconds.toFixed(1)} s\n`);

    // 3. runs/log-metric one point per request, one client: the per-epoch pattern (MLflow #1550).
    const epochRun = runs[0].runId;
    const singleCount = SINGLE_METRIC_REQUESTS;
    const single = await phase(ctx, 'log-metric-1-client', async () => {
      const ms = await pool(singleCount, 1, async (step) =>
        (await c.call('POST', 'runs/log-metric', { run_id: epochRun, key: 'loss', value: 1 / (step + 1), timestamp: t0 + step, step })).ms,
      );
      return { requests: singleCount, latencyMs: latency(ms) };
    });

    // 4. runs/search: one warm-up call each, then repeated calls.
    const search = async (name: string, input: Record<string, unknown>, reps = SEARCH_REPS) =>
      phase(ctx, name, async () => {
        const first = await c.call('POST', 'runs/search', { experiment_ids: [experimentId], ...input });
        const ms: number[] = [];
        for (let r = 0; r < reps; r++) ms.push((await c.call('POST', 'runs/search', { experiment_ids: [experimentId], ...input })).ms);
        return { first, runsReturned: (first.body.runs ?? []).length as number, responseBytes: first.bytes, latencyMs: latency(ms) };
      });

    const filter = `metrics.m3 > ${FILTER_METRIC_THRESHOLD} and params.p1 = '${FILTER_PARAM_VALUE}'`;
    const filtered = await search('search-filtered', { filter, max_results: 1000 });
    const expectedFiltered = runs.filter((r) => r.m3 > FILTER_METRIC_THRESHOLD && r.p1 === FILTER_PARAM_VALUE).length;
    check(filtered.runsReturned === expectedFiltered, `filtered search returned ${filtered.runsReturned} runs, expected ${expectedFiltered}`);

    const byMetric = await search('search-1000-by-metric', { max_results: 1000, order_by: ['metrics.m0 DESC'] });
    const bestM0 = Math.max(...runs.map((r) => r.m0));
    const firstM0 = byMetric.first.body.runs[0].data.metrics.find((m: { key: string }) => m.key === 'm0')?.value;
    check(byMetric.runsReturned === Math.min(1000, options.runs), `order-by search returned ${byMetric.runsReturned} runs`);
    check(firstM0 === bestM0, `order by metrics.m0 DESC starts with m0=${firstM0}, expected ${bestM0}`);
    check(byMetric.first.body.runs[0].data.metrics.length >= options.metrics, 'search results lack their metrics');

    const byTime = await search('search-100-by-start-time', { max_results: 100, order_by: ['attributes.start_time DESC'] });
    check(byTime.first.body.runs[0].info.run_name === `run-${options.runs - 1}`, 'order by start_time DESC does not start with the last run');

    const paging = await phase(ctx, 'search-page-all', async () => {
      const totals: number[] = [];
      let pages = 0;
      let bytes = 0;
      for (let r = 0; r < PAGING_REPS; r++) {
        const seen = new Set<string>();
        let token: string | undefined;
        const started = performance.now();
        do {
          const response = await c.call('POST', 'runs/search', { experiment_ids: [experimentId], max_results: 1000, page_token: token });
          for (const run of response.body.runs ?? []) seen.add(run.info.run_id);
          token = response.body.next_page_token;
          if (r === 0) {
            pages++;
            bytes += response.bytes;
          }
        } while (token);
        totals.push(performance.now() - started);
        check(seen.size === options.runs, `paging returned ${seen.size} distinct runs, expected ${options.runs}`);
      }
      return { pages, responseBytes: bytes, totalSeconds: latency(totals.map((t) => t / 1000)) };
    });

    // 5. metric history: a short series (steps points), the per-epoch series (singleCount points), and
    // get-history-bulk-interval over 100 runs as MLflow's UI charts ask for it (max_results=320).
    const history = async (name: string, rpc: string, input: Record<string, unknown>, expected: number) =>
      phase(ctx, name, async () => {
        const first = await c.call('GET', rpc, input);
        const points = (first.body.metrics ?? []).length as number;
        check(points === expected, `${name} returned ${points} points, expected ${expected}`);
        const ms: number[] = [];
        for (let r = 0; r < HISTORY_REPS; r++) ms.push((await c.call('GET', rpc, input)).ms);
        return { points, responseBytes: first.bytes, latencyMs: latency(ms) };
      });
    const historyShort = await history('history-short', 'metrics/get-history', { run_id: runs[1].runId, metric_key: 'm0' }, options.steps);
    const historyLong = await history('history-long', 'metrics/get-history', { run_id: epochRun, metric_key: 'loss' }, singleCount);
    const bulkRuns = runs.slice(0, Math.min(100, options.runs)).map((r) => r.runId);
    const bulk = await history(
      'history-bulk-100-runs',
      'metrics/get-history-bulk-interval',
      { run_ids: bulkRuns, metric_key: 'm0', max_results: 320 },
      bulkRuns.length * Math.min(options.steps, 320),
    );

    const rss = (await server.request<{ rss: number }>({ type: 'usage' })).rss;
    const throughput = (count: number, seconds: number) => Math.round(count / seconds);
    const strip = <T extends { first: unknown }>({ first: _first, ...rest }: T) => rest;
    return {
      backend,
      database: database.version,
      serverRssMiB: Math.round(rss / 2 ** 20),
      settle,
      createRuns: { ...create, runsPerSecond: throughput(create.requests, create.usage.wallS) },
      logBatch: [batchOne, batchMany].map((b) => ({
        ...b,
        requestsPerSecond: throughput(b.requests, b.usage.wallS),
        metricRowsPerSecond: throughput(b.metricRows, b.usage.wallS),
      })),
      logMetric: { ...single, requestsPerSecond: throughput(single.requests, single.usage.wallS) },
      search: {
        filtered: { filter, ...strip(filtered) },
        page1000ByMetric: { orderBy: 'metrics.m0 DESC', ...strip(byMetric) },
        page100ByStartTime: { orderBy: 'attributes.start_time DESC', ...strip(byTime) },
        pageAll: { maxResults: 1000, ...paging },
      },
      history: { short: historyShort, long: historyLong, bulkInterval100Runs: bulk },
    };
  } finally {
    client?.close();
    await server.stop().catch(() => undefined);
    await database.drop();
    fs.rmSync(artifactsDir, { recursive: true, force: true });
    tempDirs.delete(artifactsDir);
  }
}

function check(condition: boolean, message: string): void {
  if (!condition) throw new Error(`benchmark sanity check failed: ${message}`);
}

type BackendResult = Awaited<ReturnType<typeof benchBackend>>;

// ---- the machine and the report ---------------------------------------------------------------------

function machine() {
  let cpuModel = os.cpus()[0]?.model ?? 'unknown';
  try {
    cpuModel = /^model name\s*:\s*(.+)$/m.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpuModel;
  } catch {
    // not Linux: os.cpus() is good enough
  }
  return {
    cores: os.cpus().length,
    cpuModel,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    loadAverage: os.loadavg().map((x) => Math.round(x * 100) / 100),
  };
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, col) => Math.max(...rows.map((r) => r[col].length)));
  const line = (r: string[]) => r.map((cell, col) => (col === 0 ? cell.padEnd(widths[col]) : cell.padStart(widths[col]))).join('  ');
  return [line(rows[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

const fmt = (x: number, digits = 0) => x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const ms = (x: number) => (x >= 100 ? fmt(x) : x >= 10 ? fmt(x, 1) : fmt(x, 2));
const kib = (bytes: number) => `${fmt(bytes / 1024)} KiB`;

function report(options: Options, info: ReturnType<typeof machine>, results: BackendResult[]): string {
  const out: string[] = [];
  out.push(`tileflow tracking server benchmark: ${fmt(options.runs)} runs x ${options.metrics} metrics x ${options.steps} steps`);
  out.push(`machine: ${info.cores} cores, ${info.cpuModel}, ${info.memoryGiB} GiB, ${info.os}, Node ${info.node}, load ${info.loadAverage.join(' ')}`);
  for (const r of results) {
    out.push('', `== ${r.backend}: ${r.database}; server RSS at the end ${r.serverRssMiB} MiB`);
    if (r.settle) out.push(`(after the log-batch phases: ${r.settle.ran}, ${r.settle.seconds.toFixed(1)} s, not counted)`);
    const rows = [['write', 'requests', 'wall s', 'req/s', 'metric rows/s', 'p50 ms', 'p95 ms', 'server CPU s', 'machine busy', 'steal']];
    const percent = (x: number | null) => (x === null ? '-' : `${Math.round(x * 100)}%`);
    const usage = (u: PhaseUsage) => [fmt(u.serverCpuS, 1), percent(u.machineBusy), percent(u.machineSteal)];
    rows.push([
      `runs/create, ${options.clients} clients`,
      fmt(r.createRuns.requests),
      fmt(r.createRuns.usage.wallS, 1),
      fmt(r.createRuns.runsPerSecond),
      '-',
      ms(r.createRuns.latencyMs.p50),
      ms(r.createRuns.latencyMs.p95),
      ...usage(r.createRuns.usage),
    ]);
    for (const b of r.logBatch) {
      rows.push([
        `runs/log-batch (${options.metrics * options.steps} metrics + 5 params + 2 tags), ${b.clients} client${b.clients > 1 ? 's' : ''}`,
        fmt(b.requests),
        fmt(b.usage.wallS, 1),
        fmt(b.requestsPerSecond),
        fmt(b.metricRowsPerSecond),
        ms(b.latencyMs.p50),
        ms(b.latencyMs.p95),
        ...usage(b.usage),
      ]);
    }
    rows.push([
      'runs/log-metric (1 point), 1 client',
      fmt(r.logMetric.requests),
      fmt(r.logMetric.usage.wallS, 1),
      fmt(r.logMetric.requestsPerSecond),
      fmt(r.logMetric.requestsPerSecond),
      ms(r.logMetric.latencyMs.p50),
      ms(r.logMetric.latencyMs.p95),
      ...usage(r.logMetric.usage),
    ]);
    out.push(table(rows), '');

    const s = r.search;
    const h = r.history;
    const reads = [['read', 'calls', 'results', 'response', 'p50 ms', 'p95 ms', 'max ms']];
    const readRow = (name: string, results: number, bytes: number, l: Latency) => [name, String(l.n), fmt(results), kib(bytes), ms(l.p50), ms(l.p95), ms(l.max)];
    reads.push(readRow(`runs/search ${s.filtered.filter}`, s.filtered.runsReturned, s.filtered.responseBytes, s.filtered.latencyMs));
    reads.push(readRow('runs/search max_results=1000 order_by metrics.m0 DESC', s.page1000ByMetric.runsReturned, s.page1000ByMetric.responseBytes, s.page1000ByMetric.latencyMs));
    reads.push(readRow('runs/search max_results=100 order_by start_time DESC', s.page100ByStartTime.runsReturned, s.page100ByStartTime.responseBytes, s.page100ByStartTime.latencyMs));
    reads.push(readRow('metrics/get-history, short series', h.short.points, h.short.responseBytes, h.short.latencyMs));
    reads.push(readRow('metrics/get-history, per-epoch series', h.long.points, h.long.responseBytes, h.long.latencyMs));
    reads.push(readRow('metrics/get-history-bulk-interval, 100 runs', h.bulkInterval100Runs.points, h.bulkInterval100Runs.responseBytes, h.bulkInterval100Runs.latencyMs));
    out.push(table(reads));
    const p = s.pageAll;
    out.push(
      '',
      `all ${fmt(options.runs)} runs paged with max_results=1000: ${p.pages} pages, ${kib(p.responseBytes)}, ` +
        `median ${p.totalSeconds.p50.toFixed(2)} s (max ${p.totalSeconds.max.toFixed(2)} s over ${p.totalSeconds.n} passes), ` +
        `${ms((p.totalSeconds.p50 * 1000) / (options.runs / 1000))} ms per 1,000 runs`,
    );
  }
  return out.join('\n');
}

// ---- main -------------------------------------------------------------------------------------------

function parseOptions(): Options {
  const { values } = parseArgs({
    options: {
      runs: { type: 'string', default: '10000' },
      metrics: { type: 'string', default: '20' },
      steps: { type: 'string', default: '5' },
      clients: { type: 'string', default: '4' },
      backends: { type: 'string', default: 'sqlite,postgres' },
      json: { type: 'boolean', default: false },
      profile: { type: 'string' },
    },
  });
  const count = (name: string, value: string, min: number, max: number) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${name} must be an integer in [${min}, ${max}], got '${value}'`);
    return n;
  };
  const backends = values.backends.split(',').map((b) => b.trim()).filter(Boolean);
  for (const b of backends) if (b !== 'sqlite' && b !== 'postgres') throw new Error(`unknown backend '${b}': use sqlite, postgres`);
  const options: Options = {
    runs: count('runs', values.runs, 10, 1_000_000),
    // log-batch takes at most 1,000 metrics per request.
    metrics: count('metrics', values.metrics, 4, 1000),
    steps: count('steps', values.steps, 1, 1000),
    clients: count('clients', values.clients, 1, 64),
    backends: backends as Backend[],
    json: values.json,
    profileDir: values.profile ? path.resolve(values.profile) : undefined,
  };
  if (options.metrics * options.steps > 1000) throw new Error('--metrics x --steps must be at most 1000 (MLflow log-batch limit)');
  if (options.profileDir) fs.mkdirSync(options.profileDir, { recursive: true });
  return options;
}

async function main(): Promise<void> {
  const options = parseOptions();
  const info = machine();
  process.stderr.write(`tracking benchmark: ${options.backends.join(', ')}; ${options.runs} runs x ${options.metrics} metrics x ${options.steps} steps\n`);
  const results: BackendResult[] = [];
  for (const backend of options.backends) results.push(await benchBackend(backend, options));
  const finished = { ...machine(), loadAverageAtStart: info.loadAverage };
  const text = report(options, info, results);
  if (options.json) {
    process.stderr.write(`${text}\n`);
    process.stdout.write(
      `${JSON.stringify({ benchmark: 'tracking', date: new Date().toISOString(), options, machine: finished, results }, null, 2)}\n`,
    );
  } else {
    process.stdout.write(`${text}\n`);
  }
}

if (process.argv.includes('--serve')) {
  await serve();
} else {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      cleanupSync();
      process.exit(128 + os.constants.signals[signal]);
    });
  }
  try {
    await main();
  } catch (error) {
    process.stderr.write(`\n${(error as Error).stack ?? String(error)}\n`);
    cleanupSync();
    process.exitCode = 1;
  }
}
