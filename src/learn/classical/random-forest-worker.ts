/**
 * A random-forest worker thread: receives the forest job once (its feature and target arrays on
 * SharedArrayBuffers, so nothing large is copied), then grows the trees it is sent by index and
 * posts each back as flat arrays, transferred rather than copied.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { FlatTree } from './tree/flat-tree.js';
import { growForestTree, type ForestJob } from './tree/forest-job.js';

/** A grown tree as the worker posts it: its index in the forest, its arrays and its importances. */
export interface WorkerTreeMessage {
  index: number;
  tree: FlatTree;
  importances: Float64Array;
}

const job = workerData as ForestJob;
const port = parentPort;
if (port) {
  port.on('message', (index: number) => {
    const { tree, importances } = growForestTree(job, index);
    const message: WorkerTreeMessage = { index, tree, importances };
    port.postMessage(message, [tree.feature, tree.threshold, tree.left, tree.right, tree.value, importances].map((a) => a.buffer as ArrayBuffer));
  });
}
