/**
 * Grows a forest's trees on `node:worker_threads` (or on this thread for one job): each worker gets
 * the job once, with its arrays on SharedArrayBuffers, and is handed tree indices one at a time as it
 * finishes the last, so fast and slow trees balance out. Trees come back as transferred flat arrays.
 *
 * The worker module sits next to this package's compiled JavaScript in `dist/`; when tileflow runs
 * from TypeScript sources (tests, `tsx`), there is no `.js` beside this file and the worker starts
 * from the `.ts` file with tsx's loader.
 */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { WorkerTreeMessage } from '../random-forest-worker.js';
import type { GrownTree } from './builder.js';
import { growForestTree, type ForestJob } from './forest-job.js';

/** Grows every tree of `job` with up to `threads` threads; results in tree order. */
export async function growForest(job: ForestJob, threads: number): Promise<GrownTree[]> {
  const nTrees = job.seeds.length;
  if (threads <= 1 || nTrees <= 1) {
    const trees: GrownTree[] = [];
    for (let t = 0; t < nTrees; t++) {
      trees.push(growForestTree(job, t));
      // Lets timers and I/O run between trees, so a long fit does not freeze a server.
      await new Promise((resolve) => setImmediate(resolve));
    }
    return trees;
  }
  return growOnWorkers(job, Math.min(threads, nTrees));
}

/** Copies a typed array onto a SharedArrayBuffer, so workers read it without a copy each. */
export function shared<A extends Float32Array | Float64Array | Int32Array | Uint8Array>(array: A): A {
  const Ctor = array.constructor as new (buffer: SharedArrayBuffer) => A;
  const copy = new Ctor(new SharedArrayBuffer(array.byteLength));
  copy.set(array as never);
  return copy;
}

/** Starts a worker on the compiled module, or on the TypeScript source through tsx's loader. */
function startWorker(job: ForestJob): Worker {
  const js = new URL('../random-forest-worker.js', import.meta.url);
  if (fs.existsSync(fileURLToPath(js))) return new Worker(js, { workerData: job });
  // A worker's `--import` in execArgv is not honoured by Node 20, so the worker registers tsx itself.
  const ts = new URL('../random-forest-worker.ts', import.meta.url).href;
  const tsx = import.meta.resolve('tsx/esm/api');
  const bootstrap = `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(ts)}); });`;
  return new Worker(bootstrap, { eval: true, workerData: job });
}

async function growOnWorkers(job: ForestJob, nWorkers: number): Promise<GrownTree[]> {
  const nTrees = job.seeds.length;
  const workers = Array.from({ length: nWorkers }, () => startWorker(job));
  const trees: GrownTree[] = new Array(nTrees);
  try {
    await new Promise<void>((resolve, reject) => {
      let next = 0;
      let done = 0;
      for (const worker of workers) {
        worker.on('message', (message: WorkerTreeMessage) => {
          trees[message.index] = { tree: message.tree, importances: message.importances };
          done++;
          if (done === nTrees) resolve();
          else if (next < nTrees) worker.postMessage(next++);
        });
        worker.on('error', reject);
        worker.on('exit', (code) => {
          if (done < nTrees) reject(new Error(`a random-forest worker stopped (exit code ${code}) before the forest was grown`));
        });
        if (next < nTrees) worker.postMessage(next++);
      }
    });
  } finally {
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
  return trees;
}
