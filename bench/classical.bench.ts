/**
 * Classical ML speed: random forest and histogram gradient boosting fit and predict times, and
 * accuracy, on a 200,000-row x 13-band table, tileflow (`src/learn/classical`) against scikit-learn
 * (`bench/classical_peer.py`, Debian's python3-sklearn) with the same settings and threads, in the same run.
 *
 *   node --import tsx bench/classical.bench.ts [--rows 200000] [--models rf,gbt] [--threads 2] [--trees 100] [--rounds 1] [--json]
 *
 * The table is scikit-learn's `make_classification` (13 features, 10 classes, seeded), written once to
 * bench/out/ by the peer and read by both sides; both fit on the first 75 % of rows and predict the rest.
 * Random forest: n_estimators trees, max_features 'sqrt', bootstrap, n_jobs = threads on both sides.
 * Gradient boosting: max_iter = trees, early stopping off, 255 bins, 31 leaves on both sides.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createEstimator } from '../src/learn/classical/index.js';
import { take, takeRows, type Classifier, type Params } from '../src/learn/classical/estimator.js';
import { readTable } from '../src/learn/table.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: '200000' },
    models: { type: 'string', default: 'rf,gbt' },
    threads: { type: 'string', default: '2' },
    trees: { type: 'string', default: '100' },
    rounds: { type: 'string', default: '1' },
    python: { type: 'string', default: '/usr/bin/python3' },
    json: { type: 'boolean', default: false },
  },
});
const threads = Number(args.threads);
const trees = Number(args.trees);
const file = path.join(ROOT, 'bench/out', `classical-${args.rows}.csv`);
fs.mkdirSync(path.dirname(file), { recursive: true });
if (!fs.existsSync(file)) execFileSync(args.python, ['bench/classical_peer.py', 'make', '--rows', args.rows, '--out', file], { cwd: ROOT, stdio: 'inherit' });

const table = await readTable(file, { target: 'label' });
const cut = Math.floor(table.X.rows * 0.75);
const trainRows = Int32Array.from({ length: cut }, (_, i) => i);
const testRows = Int32Array.from({ length: table.X.rows - cut }, (_, i) => cut + i);
const Xtrain = takeRows(table.X, trainRows);
const ytrain = take(table.y as Int32Array, trainRows);
const Xtest = takeRows(table.X, testRows);
const ytest = take(table.y as Int32Array, testRows);

async function ours(model: string) {
  const params: Params = model === 'rf' ? { n_estimators: trees, n_jobs: threads, random_state: 0 } : { max_iter: trees, early_stopping: false, random_state: 0 };
  const estimator = createEstimator(model, 'classification', params) as Classifier;
  let started = performance.now();
  await estimator.fit(Xtrain, ytrain, { nClasses: table.classes.length });
  const fitSeconds = (performance.now() - started) / 1000;
  started = performance.now();
  const predicted = estimator.predict(Xtest);
  const predictSeconds = (performance.now() - started) / 1000;
  let correct = 0;
  for (let i = 0; i < predicted.length; i++) if (predicted[i] === ytest[i]) correct++;
  return { fit_seconds: fitSeconds, predict_seconds: predictSeconds, accuracy: correct / predicted.length };
}

function peer(model: string) {
  const out = execFileSync(args.python, ['bench/classical_peer.py', 'run', '--data', file, '--model', model, '--threads', String(threads), '--trees', String(trees)], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, OMP_NUM_THREADS: String(threads) },
  });
  return JSON.parse(out.trim().split('\n').at(-1)!);
}

const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
const results = [];
for (const model of args.models.split(',')) {
  const a = [];
  const b = [];
  for (let r = 0; r < Number(args.rounds); r++) {
    a.push(await ours(model));
    b.push(peer(model));
    process.stderr.write(`${model} round ${r + 1}: tileflow fit ${a[r].fit_seconds.toFixed(1)} s (accuracy ${a[r].accuracy.toFixed(4)}), scikit-learn fit ${b[r].fit_seconds.toFixed(1)} s (accuracy ${b[r].accuracy.toFixed(4)})\n`);
  }
  const fit = median(a.map((x) => x.fit_seconds));
  const fitPeer = median(b.map((x) => x.fit_seconds));
  const predict = median(a.map((x) => x.predict_seconds));
  const predictPeer = median(b.map((x) => x.predict_seconds));
  results.push({
    model,
    rows: table.X.rows,
    train_rows: cut,
    threads,
    trees,
    tileflow: { fit_seconds: fit, predict_seconds: predict, accuracy: a[0].accuracy },
    sklearn: { fit_seconds: fitPeer, predict_seconds: predictPeer, accuracy: b[0].accuracy },
    // Above 1: tileflow is faster.
    fit_speedup: fitPeer / fit,
    predict_speedup: predictPeer / predict,
  });
}
if (args.json) {
  process.stdout.write(`${JSON.stringify(results, null, 1)}\n`);
} else {
  process.stdout.write('| model | threads | fit tileflow s | fit scikit-learn s | fit speed-up | predict tileflow s | predict scikit-learn s | predict speed-up | accuracy tileflow | accuracy scikit-learn |\n|---|---|---|---|---|---|---|---|---|---|\n');
  for (const r of results) {
    process.stdout.write(
      `| ${r.model} | ${r.threads} | ${r.tileflow.fit_seconds.toFixed(1)} | ${r.sklearn.fit_seconds.toFixed(1)} | ${r.fit_speedup.toFixed(2)} | ${r.tileflow.predict_seconds.toFixed(2)} | ${r.sklearn.predict_seconds.toFixed(2)} | ${r.predict_speedup.toFixed(2)} | ${r.tileflow.accuracy.toFixed(4)} | ${r.sklearn.accuracy.toFixed(4)} |\n`,
    );
  }
}
