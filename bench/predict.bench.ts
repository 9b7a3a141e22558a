/**
 * The prediction service end to end: tiles per second of a classification prediction over an AOI of
 * 10,000 tiles read from a local XYZ tile server, against the model's raw ONNX Runtime throughput on
 * the same batches in the same run (the limit: what the pipeline would reach if reading, decoding,
 * scaling and recording cost nothing).
 *
 *   npm run bench:predict
 *   node --import tsx bench/predict.bench.ts --side 50 --arch resnet18 --json
 *
 * Options: --side N (AOI of N x N tiles, 100), --zoom Z (16), --batch N (32), --read-ahead N
 * (supertile reads in flight, 4), --sessions N and --threads N (the service's ONNX Runtime sessions
 * and intra-op threads per session; default the service's own, `poolShape`: one single-threaded
 * session per core here), --raw-threads N (threads of the classic raw pass, one per core), --spinning
 * on|off (the service's ONNX Runtime threads spin while idle: off, the service's default),
 * --arch resnet18-half|resnet10-half|resnet18 (the model, made by bench/make_predict_model.py into
 * bench/out/ when missing), --pool N (distinct tiles served, 64), --raw-passes N (rounds of raw passes, 1 before and 1 after
 * the end-to-end run: 2), --json (the JSON on stdout; the table goes to stderr).
 *
 * The tile server runs in a child process (this file with `--serve DIR`), so its work does not share
 * the benchmark's event loop: node:http on 127.0.0.1, keep-alive, answering any /z/x/y.png with one of
 * a pool of pre-encoded 256 x 256 RGB PNG tiles (pool[hash(x, y) % N]), as a CDN or a static tile cache
 * would. The pool is cut once per run from `shared/fixtures/cog/titiler/TCI.tif` (Sentinel-2 true
 * colour) at zoom 12, bilinear, tiles fully inside the scene, and encoded with sharp.
 *
 * End to end: a fresh SQLite store in a temp folder, `PredictService` with the batch size, read-ahead
 * and threads above, the model uploaded (ONNX + MLM item), imagery `xyz+http://127.0.0.1:PORT/{z}/{x}/{y}.png`,
 * and a bbox AOI covering exactly side x side tiles; timed from `startPrediction` (covering the AOI and
 * storing its tiles included) to `idle()`. It must end succeeded with every tile done.
 *
 * Raw, two layouts, each its own pass, the faster of all passes being the limit: the classic one, an
 * `OnnxSession` with one thread per core (what one measures of a model in ONNX Runtime), and the
 * service's own (`OnnxSessionPool`, its sessions side by side, each taking the next batch when free).
 * Each: the same model and batch size; every tile of the AOI,
 * in the order the pipeline takes them (by quadkey, grouped by supertile), cut into the same batches;
 * the pool tiles are decoded and scaled (the model's z-score) into float32 beforehand, each batch is
 * assembled untimed, and only `runAll` is timed. One warm-up batch first. --raw-passes rounds of
 * both layouts (half before, half after the end-to-end run); ratio = end-to-end / the fastest pass. The stored class scores of every tile must match the raw outputs
 * (so both sides saw the same pixels).
 *
 * Breakdown of the end-to-end run: inference (time with a call of `WorkerOnnxSession.runAll` open, calls
 * that overlap counted once: the service runs ONNX Runtime in a worker thread, since its `run` blocks
 * the calling thread, and sends the next batch before the last one is back), recording (time in
 * `PredictStore.recordResults`), reads (time in `TileReader.read`, summed over reads in flight at once,
 * so it can exceed the wall time), and CPU seconds of the benchmark process (per thread, from /proc) and
 * of the tile server.
 * These come from wrapping those methods with a timer in this process (instrumentation only).
 */
import { fork, execFileSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import sharp from 'sharp';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..');
const TCI = path.resolve(ROOT, '../shared/fixtures/cog/titiler/TCI.tif');
const OUT = path.join(HERE, 'out');
const TILE = 256;
const POOL_ZOOM = 12;

const { values: args } = parseArgs({
  options: {
    serve: { type: 'string' },
    side: { type: 'string', default: '100' },
    zoom: { type: 'string', default: '16' },
    batch: { type: 'string', default: '32' },
    'read-ahead': { type: 'string', default: '4' },
    threads: { type: 'string' },
    sessions: { type: 'string' },
    'raw-threads': { type: 'string' },
    spinning: { type: 'string', default: 'off' },
    arch: { type: 'string', default: 'resnet18-half' },
    pool: { type: 'string', default: '64' },
    'raw-passes': { type: 'string', default: '2' },
    json: { type: 'boolean', default: false },
  },
});

/** Which pool tile answers tile (x, y): a fixed integer hash, the same in the server and the raw pass. */
function poolIndex(x: number, y: number, n: number): number {
  let h = Math.imul(x, 0x9e3779b1) ^ Math.imul(y + 0x7f4a7c15, 0x85ebca77);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 12;
  return (h >>> 0) % n;
}

// ---- the tile server (child process) ----

/** Serves the pool's PNGs for any /z/x/y.png until the parent goes away. */
function serve(dir: string): void {
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.png')).sort();
  const pool = files.map((f) => fs.readFileSync(path.join(dir, f)));
  let requests = 0;
  const server = http.createServer((req, res) => {
    const m = /^\/(\d+)\/(\d+)\/(\d+)\.png$/.exec(req.url ?? '');
    if (!m) {
      res.writeHead(404).end();
      return;
    }
    requests++;
    const body = pool[poolIndex(Number(m[2]), Number(m[3]), pool.length)];
    res.writeHead(200, { 'Content-Type': 'image/png', 'Content-Length': body.length, 'Cache-Control': 'max-age=86400' });
    res.end(body);
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => {
    const address = server.address() as { port: number };
    process.send!({ type: 'listening', port: address.port });
  });
  process.on('message', (message: { type: string }) => {
    if (message.type === 'stats') process.send!({ type: 'stats', requests, cpu: process.cpuUsage() });
  });
  process.on('disconnect', () => process.exit(0));
}

if (args.serve) {
  serve(args.serve);
} else {
  await main();
}

// ---- the benchmark ----

interface Bucket {
  ms: number;
  calls: number;
  /** [start, end] of every call, for the time covered by at least one call. */
  spans: [number, number][];
}

function bucket(): Bucket {
  return { ms: 0, calls: 0, spans: [] };
}

/** Milliseconds covered by at least one call (calls that overlap count once). */
function covered(spans: [number, number][]): number {
  const sorted = [...spans].sort((a, b) => a[0] - b[0]);
  let total = 0;
  let [from, to] = [-Infinity, -Infinity];
  for (const [start, end] of sorted) {
    if (start > to) {
      if (to > from) total += to - from;
      [from, to] = [start, end];
    } else to = Math.max(to, end);
  }
  if (to > from) total += to - from;
  return total;
}

/** Wraps an async method of a prototype with a timer (instrumentation of this process only). */
function timeMethod(proto: any, name: string, bucket: Bucket): void {
  const original = proto[name];
  proto[name] = async function (this: unknown, ...rest: unknown[]) {
    const start = performance.now();
    try {
      return await original.apply(this, rest);
    } finally {
      const end = performance.now();
      bucket.ms += end - start;
      bucket.calls++;
      bucket.spans.push([start, end]);
    }
  };
}

/** CPU seconds of this process per thread name (Linux /proc): main thread, libuv pool, workers, ONNX Runtime's threads. */
function threadCpu(): Map<string, number> {
  const byName = new Map<string, number>();
  const tick = 100; // USER_HZ on Linux
  let tasks: string[] = [];
  try {
    tasks = fs.readdirSync('/proc/self/task');
  } catch {
    return byName;
  }
  for (const task of tasks) {
    try {
      const stat = fs.readFileSync(`/proc/self/task/${task}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const name = task === String(process.pid) ? 'main' : stat.slice(stat.indexOf('(') + 1, close);
      const fields = stat.slice(close + 2).split(' ');
      byName.set(name, (byName.get(name) ?? 0) + (Number(fields[11]) + Number(fields[12])) / tick);
    } catch {
      // The thread ended meanwhile.
    }
  }
  return byName;
}

/** CPU seconds per thread name since `before` (threads under 0.05 s left out). */
function cpuSince(before: Map<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, seconds] of threadCpu()) {
    const used = seconds - (before.get(name) ?? 0);
    if (used >= 0.05) out[name] = Math.round(used * 10) / 10;
  }
  return out;
}

function ask<T>(child: ChildProcess, type: string): Promise<T> {
  return new Promise((resolve) => {
    const on = (message: any) => {
      if (message.type !== type) return;
      child.off('message', on);
      resolve(message as T);
    };
    child.on('message', on);
    if (type !== 'listening') child.send({ type });
  });
}

async function main(): Promise<void> {
  // Imported here so that the tile server child loads none of tileflow.
  const { openImagery } = await import('../src/data/raster/registry.js');
  const { OnnxSession } = await import('../src/deep/runtime/session.js');
  const { WorkerOnnxSession } = await import('../src/deep/runtime/worker-session.js');
  const { OnnxSessionPool } = await import('../src/deep/runtime/session-pool.js');
  const { quadkey, tileAt, tileBounds, tileFromQuadkey } = await import('../src/geo/tiles.js');
  const { describeModel, scaleInput } = await import('../src/predict/model.js');
  const { TileReader } = await import('../src/predict/reader.js');
  const { PredictService, poolShape } = await import('../src/predict/service.js');
  const { PredictStore } = await import('../src/predict/store/predict-store.js');
  const { openTracking } = await import('../src/track/service.js');

  const side = Number(args.side);
  const zoom = Number(args.zoom);
  const batchSize = Number(args.batch);
  const readAhead = Number(args['read-ahead']);
  // The service's sessions and threads per session (its defaults unless given); the classic raw pass: one session, one thread per core.
  const shape = poolShape({ sessions: args.sessions ? Number(args.sessions) : undefined, threads: args.threads ? Number(args.threads) : undefined });
  const threads = shape.threads;
  const rawThreads = Number(args['raw-threads'] ?? os.availableParallelism());
  const poolSize = Number(args.pool);
  const rawPasses = Math.max(1, Number(args['raw-passes']));
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const loadStart = os.loadavg();

  // The model (made by PyTorch outside tileflow when missing).
  const onnxPath = path.join(OUT, `predict-${args.arch}.onnx`);
  const mlmPath = path.join(OUT, `predict-${args.arch}.mlm.json`);
  let modelFacts: { parameters: number; multiply_adds: number };
  const factsPath = path.join(OUT, `predict-${args.arch}.facts.json`);
  if (!fs.existsSync(onnxPath) || !fs.existsSync(mlmPath) || !fs.existsSync(factsPath)) {
    log(`making ${onnxPath} with bench/make_predict_model.py`);
    const made = execFileSync('/usr/bin/python3', [path.join(HERE, 'make_predict_model.py'), '--arch', String(args.arch), '--out', OUT], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    fs.writeFileSync(factsPath, made.trim().split('\n').at(-1)!);
  }
  modelFacts = JSON.parse(fs.readFileSync(factsPath, 'utf8'));
  const onnx = fs.readFileSync(onnxPath);
  const mlm = JSON.parse(fs.readFileSync(mlmPath, 'utf8'));
  const descriptor = describeModel(mlm);

  // The pool of real tiles, cut from the Sentinel-2 scene and encoded once.
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tileflow-predict-bench-'));
  const poolDir = path.join(work, 'tiles');
  fs.mkdirSync(poolDir);
  const imagery = await openImagery(TCI);
  const info = await imagery.info();
  const [tx0, ty0] = [tileAt(info.bounds[0], info.bounds[3], POOL_ZOOM), tileAt(info.bounds[2], info.bounds[1], POOL_ZOOM)];
  const inside: { x: number; y: number }[] = [];
  for (let y = tx0.y + 1; y < ty0.y; y++) for (let x = tx0.x + 1; x < ty0.x; x++) inside.push({ x, y });
  // A seeded shuffle spreads the picks over the scene (sea, coast, desert); tiles with any nodata are skipped.
  let seed = 7;
  const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  for (let i = inside.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [inside[i], inside[j]] = [inside[j], inside[i]];
  }
  const pngs: Buffer[] = [];
  for (const { x, y } of inside) {
    if (pngs.length === poolSize) break;
    const block = await imagery.tile(POOL_ZOOM, x, y, { size: TILE, resampling: 'bilinear' });
    if (block.mask.some((v) => v === 0)) continue;
    const plane = TILE * TILE;
    const rgb = Buffer.alloc(plane * 3);
    for (let p = 0; p < plane; p++) for (let b = 0; b < 3; b++) rgb[p * 3 + b] = block.data[b * plane + p] as number;
    pngs.push(await sharp(rgb, { raw: { width: TILE, height: TILE, channels: 3 } }).png().toBuffer());
  }
  await imagery.close();
  if (pngs.length < poolSize) throw new Error(`only ${pngs.length} fully valid tiles at zoom ${POOL_ZOOM} in ${TCI}`);
  pngs.forEach((png, i) => fs.writeFileSync(path.join(poolDir, `${String(i).padStart(3, '0')}.png`), png));
  const pngBytes = pngs.reduce((a, b) => a + b.length, 0) / pngs.length;

  // The pool as the model's input: decoded, band-sequential float32, scaled as the MLM item says.
  const plane = TILE * TILE;
  const ones = new Uint8Array(plane).fill(1);
  const poolTensors = await Promise.all(
    pngs.map(async (png) => {
      const { data, info: raw } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
      if (raw.channels !== 3) throw new Error(`a pool tile decodes to ${raw.channels} channels`);
      const x = new Float32Array(3 * plane);
      for (let p = 0; p < plane; p++) for (let b = 0; b < 3; b++) x[b * plane + p] = data[p * 3 + b];
      scaleInput(descriptor, x, plane, ones);
      return x;
    }),
  );

  // The tile server, in its own process.
  const server = fork(fileURLToPath(import.meta.url), ['--serve', poolDir], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const { port } = await ask<{ port: number }>(server, 'listening');
  const uri = `xyz+http://127.0.0.1:${port}/{z}/{x}/{y}.png`;

  // The AOI: side x side tiles at `zoom` around a point of the scene, as a bbox just inside their edges.
  const centre = tileAt(23.7, 32.0, zoom);
  const [ax0, ay0] = [centre.x - Math.floor(side / 2), centre.y - Math.floor(side / 2)];
  const nw = tileBounds({ z: zoom, x: ax0, y: ay0 });
  const se = tileBounds({ z: zoom, x: ax0 + side - 1, y: ay0 + side - 1 });
  const eps = 1e-7;
  const bbox: [number, number, number, number] = [nw[0] + eps, se[1] + eps, se[2] - eps, nw[3] - eps];

  // The order and batches the pipeline takes: quadkey order, grouped by supertile, cut every batchSize.
  const quadkeys: string[] = [];
  for (let y = ay0; y < ay0 + side; y++) for (let x = ax0; x < ax0 + side; x++) quadkeys.push(quadkey({ z: zoom, x, y }));
  quadkeys.sort();
  const ordered = TileReader.groupBySupertile(quadkeys.map(tileFromQuadkey)).flat();
  const batches: (typeof ordered)[] = [];
  for (let i = 0; i < ordered.length; i += batchSize) batches.push(ordered.slice(i, i + batchSize));

  // Raw ONNX Runtime throughput on those batches.
  const rawScores = new Map<string, number[]>();
  const rawPass = async (): Promise<{ kind: string; seconds: number; tilesPerSecond: number; cpuSeconds: number }> => {
    const session = await OnnxSession.open(onnx, { threads: rawThreads, batchSize });
    const x = new Float32Array(batchSize * 3 * plane);
    const fill = (batch: typeof ordered) => {
      batch.forEach((t, i) => x.set(poolTensors[poolIndex(t.x, t.y, poolTensors.length)], i * 3 * plane));
      return x.subarray(0, batch.length * 3 * plane);
    };
    await session.runAll(fill(batches[0]), [batches[0].length, 3, TILE, TILE]);
    let ms = 0;
    const cpu = process.cpuUsage();
    for (const batch of batches) {
      const input = fill(batch);
      const start = performance.now();
      const outputs = await session.runAll(input, [batch.length, 3, TILE, TILE]);
      ms += performance.now() - start;
      const out = Object.values(outputs)[0].data as Float32Array;
      const k = out.length / batch.length;
      batch.forEach((t, i) => rawScores.set(quadkey(t), Array.from(out.subarray(i * k, (i + 1) * k))));
    }
    const used = process.cpuUsage(cpu);
    await session.close();
    return { kind: `1 session x ${rawThreads} threads`, seconds: ms / 1000, tilesPerSecond: ordered.length / (ms / 1000), cpuSeconds: (used.user + used.system) / 1e6 };
  };

  // Raw throughput of the service's own layout: its sessions side by side, each fed the next batch as soon as it is free.
  const rawPoolPass = async (): Promise<{ kind: string; seconds: number; tilesPerSecond: number; cpuSeconds: number }> => {
    const pool = await OnnxSessionPool.open(onnx, { ...shape, batchSize });
    const filled = batches.map((batch) => {
      const x = new Float32Array(batch.length * 3 * plane);
      batch.forEach((t, i) => x.set(poolTensors[poolIndex(t.x, t.y, poolTensors.length)], i * 3 * plane));
      return x;
    });
    await Promise.all(Array.from({ length: shape.sessions }, () => pool.runAll(filled[0], [batches[0].length, 3, TILE, TILE])));
    const cpu = process.cpuUsage();
    const start = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: shape.sessions }, async () => {
        while (next < filled.length) {
          const i = next++;
          await pool.runAll(filled[i], [batches[i].length, 3, TILE, TILE]);
        }
      }),
    );
    const seconds = (performance.now() - start) / 1000;
    const used = process.cpuUsage(cpu);
    await pool.close();
    return { kind: `${shape.sessions} sessions x ${shape.threads} threads`, seconds, tilesPerSecond: ordered.length / seconds, cpuSeconds: (used.user + used.system) / 1e6 };
  };

  const raw: Awaited<ReturnType<typeof rawPass>>[] = [];
  const rawBefore = Math.ceil(rawPasses / 2);
  const rawRound = async (): Promise<void> => {
    for (const pass of shape.sessions > 1 || shape.threads !== rawThreads ? [rawPass, rawPoolPass] : [rawPass]) {
      raw.push(await pass());
      log(`raw ONNX Runtime pass ${raw.length}, ${raw.at(-1)!.kind}: ${raw.at(-1)!.tilesPerSecond.toFixed(1)} tiles/s`);
    }
  };
  for (let i = 0; i < rawBefore; i++) await rawRound();

  // End to end.
  const inference = bucket();
  const recording = bucket();
  const reads = bucket();
  // The service runs its session in a worker thread; what it waits for a batch is timed here.
  timeMethod(WorkerOnnxSession.prototype, 'runAll', inference);
  timeMethod(PredictStore.prototype, 'recordResults', recording);
  timeMethod(TileReader.prototype, 'read', reads);
  const tracking = await openTracking({ databaseUrl: `sqlite:${path.join(work, 'tileflow.db')}`, artifactsRoot: path.join(work, 'artifacts') });
  const service = await PredictService.open({ tracking, pipeline: { batchSize, readAhead }, ...shape, spinning: args.spinning === 'on', maxTiles: Math.max(50_000, side * side) });
  const project = await service.store.createProject({ name: 'predict-bench' });
  const model = await service.uploadModel({ name: `bench-${args.arch}`, onnx, mlm, projectId: project.id });
  const source = await service.addImagery(project.id, 'local tile server', uri);
  inference.ms = recording.ms = reads.ms = 0;
  inference.calls = recording.calls = reads.calls = 0;
  inference.spans = [];
  recording.spans = [];
  reads.spans = [];
  const serverBefore = await ask<{ requests: number; cpu: NodeJS.CpuUsage }>(server, 'stats');
  const cpuBefore = process.cpuUsage();
  const threadsBefore = threadCpu();
  const started = performance.now();
  const prediction = await service.startPrediction({ projectId: project.id, modelName: model.name, modelVersion: model.version, imageryId: source.id, aoi: { bbox }, zoom });
  await service.idle();
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const threadSeconds = cpuSince(threadsBefore);
  log(`CPU seconds by thread: ${JSON.stringify(threadSeconds)}`);
  const serverAfter = await ask<{ requests: number; cpu: NodeJS.CpuUsage }>(server, 'stats');
  const done = await service.store.getPrediction(prediction.id);
  if (done.tilesTotal !== side * side) throw new Error(`the AOI covers ${done.tilesTotal} tiles, not ${side * side}`);
  if (done.status !== 'succeeded' || done.tilesDone !== done.tilesTotal || done.tilesFailed !== 0) {
    throw new Error(`the prediction ended ${done.status} with ${done.tilesDone} of ${done.tilesTotal} tiles done, ${done.tilesFailed} failed: ${done.error}`);
  }
  const e2e = { seconds, tilesPerSecond: done.tilesDone / seconds };
  // Taken now: the raw passes after this one run the same worker sessions' runAll.
  const inferenceTimes = { covered: covered(inference.spans) / 1000, summed: inference.ms / 1000, calls: inference.calls };
  log(`end to end: ${e2e.tilesPerSecond.toFixed(1)} tiles/s (${done.tilesDone} tiles in ${seconds.toFixed(1)} s)`);
  const tiles = await service.store.listTiles(prediction.id);

  for (let i = rawBefore; i < rawPasses; i++) await rawRound();

  // The stored scores are the raw outputs of the same pixels.
  let maxDiff = 0;
  for (const t of tiles) {
    const expected = rawScores.get(t.quadkey);
    if (!expected || !t.scores) throw new Error(`tile ${t.quadkey} has no ${expected ? 'stored' : 'raw'} scores`);
    for (let c = 0; c < expected.length; c++) maxDiff = Math.max(maxDiff, Math.abs(expected[c] - t.scores[c]));
  }
  if (maxDiff > 1e-3) throw new Error(`stored scores differ from the raw outputs by up to ${maxDiff}: the pipeline did not see the same pixels`);

  await service.close();
  await tracking.close();
  server.disconnect();
  fs.rmSync(work, { recursive: true, force: true });

  const limit = Math.max(...raw.map((r) => r.tilesPerSecond));
  const require = createRequire(import.meta.url);
  const result = {
    date: new Date().toISOString(),
    machine: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model, memoryGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version, onnxruntime: require('onnxruntime-node/package.json').version, loadavgStart: loadStart, loadavgEnd: os.loadavg() },
    model: { arch: args.arch, parameters: modelFacts.parameters, multiplyAdds: modelFacts.multiply_adds, gflops: (2 * modelFacts.multiply_adds) / 1e9, input: [3, TILE, TILE] },
    config: { tiles: done.tilesTotal, side, zoom, batchSize, readAhead, sessions: shape.sessions, threads, rawThreads, spinning: args.spinning, pool: pngs.length, meanPngBytes: Math.round(pngBytes), server: 'child process (node:http, keep-alive, pre-encoded PNGs)' },
    endToEnd: {
      ...e2e,
      tilesDone: done.tilesDone,
      inferenceSeconds: inferenceTimes.covered,
      inferenceSessionSeconds: inferenceTimes.summed,
      inferenceCalls: inferenceTimes.calls,
      recordingSeconds: recording.ms / 1000,
      readSecondsSummed: reads.ms / 1000,
      supertileReads: reads.calls,
      processCpuSeconds: (cpu.user + cpu.system) / 1e6,
      threadCpuSeconds: threadSeconds,
      serverCpuSeconds: (serverAfter.cpu.user + serverAfter.cpu.system - serverBefore.cpu.user - serverBefore.cpu.system) / 1e6,
      serverRequests: serverAfter.requests - serverBefore.requests,
    },
    raw: { passes: raw, limitTilesPerSecond: limit },
    ratio: e2e.tilesPerSecond / limit,
    check: { maxScoreDifference: maxDiff },
  };
  fs.mkdirSync(OUT, { recursive: true });
  fs.writeFileSync(path.join(OUT, 'predict.json'), `${JSON.stringify(result, null, 1)}\n`);

  const f1 = (v: number) => v.toFixed(1);
  const E = result.endToEnd;
  const table = [
    '| model | tiles | zoom | batch | sessions x threads | end to end tiles/s | raw ONNX Runtime tiles/s (limit; passes) | ratio |',
    '|---|--:|--:|--:|--:|--:|--:|--:|',
    `| ${args.arch} (${(modelFacts.parameters / 1e6).toFixed(1)} M params, ${result.model.gflops.toFixed(2)} GFLOPs/tile) | ${done.tilesTotal.toLocaleString('en-US')} | ${zoom} | ${batchSize} | ${shape.sessions} x ${threads} | ${f1(e2e.tilesPerSecond)} | ${f1(limit)} (${raw.map((r) => `${r.kind}: ${f1(r.tilesPerSecond)}`).join('; ')}) | ${result.ratio.toFixed(2)} |`,
    '',
    '| end-to-end breakdown | seconds | share of wall |',
    '|---|--:|--:|',
    `| wall, startPrediction to idle | ${f1(seconds)} | 1.00 |`,
    `| a batch in the model, in any session (${E.inferenceCalls} batches; overlapping calls counted once) | ${f1(E.inferenceSeconds)} | ${(E.inferenceSeconds / seconds).toFixed(2)} |`,
    `| a batch in the model, summed over the ${shape.sessions} sessions | ${f1(E.inferenceSessionSeconds)} | ${(E.inferenceSessionSeconds / seconds / shape.sessions).toFixed(2)} of ${shape.sessions} x wall |`,
    `| raw inference of the same batches (fastest pass) | ${f1(done.tilesDone / limit)} | ${(done.tilesDone / limit / seconds).toFixed(2)} |`,
    `| recording (PredictStore.recordResults) | ${f1(E.recordingSeconds)} | ${(E.recordingSeconds / seconds).toFixed(2)} |`,
    `| reads (TileReader.read, ${E.supertileReads} supertiles, summed over reads in flight) | ${f1(E.readSecondsSummed)} | ${(E.readSecondsSummed / seconds).toFixed(2)} |`,
    `| CPU of the benchmark process (of ${os.cpus().length} cores) | ${f1(E.processCpuSeconds)} | ${(E.processCpuSeconds / seconds).toFixed(2)} |`,
    ...Object.entries(E.threadCpuSeconds).map(([name, sec]) => `| CPU of the benchmark process, ${name === 'main' ? 'main thread' : `threads named "${name}"`} | ${f1(sec)} | ${(sec / seconds).toFixed(2)} |`),
    `| CPU of the tile server (${E.serverRequests.toLocaleString('en-US')} requests) | ${f1(E.serverCpuSeconds)} | ${(E.serverCpuSeconds / seconds).toFixed(2)} |`,
    ...raw.map((r) => `| CPU of a raw pass, ${r.kind} | ${f1(r.cpuSeconds)} | over ${f1(r.seconds)} s |`),
  ].join('\n');
  if (args.json) {
    process.stderr.write(`${table}\n`);
    process.stdout.write(`${JSON.stringify(result, null, 1)}\n`);
  } else {
    process.stdout.write(`${table}\n`);
  }
}
