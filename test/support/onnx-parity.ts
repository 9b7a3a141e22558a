// Parity between a fitted classical estimator and its ONNX export run by ONNX Runtime: the estimator
// is fitted on fold 0's training rows of a reference dataset with its features rounded to float32,
// then both predict every row of those float32 features (the ONNX model reads float32; the estimator
// reads the same values as float64), and labels, probabilities, scores or values are compared.
import assert from 'node:assert/strict';
import { OnnxSession, type OutputTensor } from '../../src/deep/runtime/session.js';
import { take, takeRows, type Classifier, type Estimator, type Matrix, type Params } from '../../src/learn/classical/estimator.js';
import { exportOnnx } from '../../src/learn/onnx/export.js';
import { loadReference, trainIndices } from './learn-reference.js';

/** X with every value rounded to float32: the float32 input for ONNX Runtime and the same values as a Matrix. */
export function float32Features(X: Matrix): { x32: Float32Array; X: Matrix } {
  const x32 = Float32Array.from(X.data);
  return { x32, X: { data: Float64Array.from(x32), rows: X.rows, cols: X.cols } };
}

/** A reference dataset with float32-rounded features, and an estimator fitted on its fold 0 training rows. */
export async function fitOnReference(make: (params: Params) => Estimator, dataset: string, params: Params = {}): Promise<{ estimator: Estimator; x32: Float32Array; X: Matrix }> {
  const ds = loadReference(dataset);
  const { x32, X } = float32Features(ds.X);
  const train = trainIndices(ds, 0);
  const estimator = make(params);
  if (estimator.task === 'classification') await estimator.fit(takeRows(X, train), take(ds.y as Int32Array, train), { nClasses: ds.nClasses });
  else await estimator.fit(takeRows(X, train), take(ds.y as Float64Array, train));
  return { estimator, x32, X };
}

/** Exports `estimator`, opens it in ONNX Runtime (batches of 64, so several batches are concatenated) and runs X. */
export async function runExported(estimator: Estimator, x32: Float32Array, cols: number): Promise<{ outputs: Record<string, OutputTensor>; inputNames: readonly string[]; outputNames: readonly string[] }> {
  const session = await OnnxSession.open(exportOnnx(estimator), { threads: 1, batchSize: 64 });
  try {
    const outputs = await session.runAll(x32, [x32.length / cols, cols]);
    return { outputs, inputNames: session.inputNames, outputNames: session.outputNames };
  } finally {
    await session.close();
  }
}

/** The largest |a - b| over two equally long arrays. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length, `${a.length} values against ${b.length}`);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

/** What a parity check measured, for the test's diagnostics. */
export interface ParityReport {
  rows: number;
  /** Rows whose ONNX label differs from `predict` (classifiers). */
  labelMismatches?: number;
  /** Largest absolute probability difference (classifiers with probabilities). */
  probability?: number;
  /** Largest difference relative to max(1, |value|) (regressors), or to the largest |score| (scores). */
  relative?: number;
}

/**
 * Checks an exported classifier against `predict` / `predictProba` (or `decisionFunction` where the
 * model writes `scores`): the same label on every row, probabilities within `tolerance` and summing to
 * 1, scores within `tolerance` relative to their largest magnitude.
 */
export async function assertClassifierParity(estimator: Classifier, x32: Float32Array, X: Matrix, tolerance: number, what: string): Promise<ParityReport> {
  const { outputs, outputNames } = await runExported(estimator, x32, X.cols);
  const label = outputs.label;
  assert.ok(label.data instanceof BigInt64Array, `${what}: label is int64`);
  assert.deepEqual(label.shape, [X.rows], `${what}: label shape`);
  const predicted = estimator.predict(X);
  const mismatches: number[] = [];
  for (let i = 0; i < X.rows; i++) if (Number(label.data[i]) !== predicted[i]) mismatches.push(i);
  assert.deepEqual(mismatches, [], `${what}: ONNX labels differ from predict on rows ${mismatches.slice(0, 10).join(', ')}`);
  const report: ParityReport = { rows: X.rows, labelMismatches: mismatches.length };
  const k = estimator.nClasses;
  if (estimator.predictProba) {
    assert.deepEqual(outputNames, ['label', 'probabilities'], `${what}: output names`);
    const proba = outputs.probabilities;
    assert.deepEqual(proba.shape, [X.rows, k], `${what}: probabilities shape`);
    const diff = maxAbsDiff(proba.data as Float32Array, estimator.predictProba(X));
    assert.ok(diff <= tolerance, `${what}: ONNX probabilities differ from predictProba by up to ${diff.toExponential(2)} (tolerance ${tolerance})`);
    for (let i = 0; i < X.rows; i++) {
      let sum = 0;
      for (let c = 0; c < k; c++) sum += Number(proba.data[i * k + c]);
      assert.ok(Math.abs(sum - 1) <= 1e-5, `${what}: ONNX probabilities of row ${i} sum to ${sum}`);
    }
    report.probability = diff;
  } else {
    assert.deepEqual(outputNames, ['label', 'scores'], `${what}: output names`);
    const expected = (estimator as Classifier & { decisionFunction(X: Matrix): Float64Array }).decisionFunction(X);
    const scores = outputs.scores;
    assert.deepEqual(scores.shape, [X.rows, expected.length / X.rows], `${what}: scores shape`);
    const scale = Math.max(1, ...Array.from(expected, Math.abs));
    const relative = maxAbsDiff(scores.data as Float32Array, expected) / scale;
    assert.ok(relative <= tolerance, `${what}: ONNX scores differ from decisionFunction by ${relative.toExponential(2)} of their largest magnitude (tolerance ${tolerance})`);
    report.relative = relative;
  }
  return report;
}

/** Checks an exported regressor's `variable` against `predict`, within `tolerance` x max(1, |value|). */
export async function assertRegressorParity(estimator: Estimator, x32: Float32Array, X: Matrix, tolerance: number, what: string): Promise<ParityReport> {
  const { outputs, outputNames } = await runExported(estimator, x32, X.cols);
  assert.deepEqual(outputNames, ['variable'], `${what}: output names`);
  assert.deepEqual(outputs.variable.shape, [X.rows, 1], `${what}: variable shape`);
  const expected = estimator.predict(X) as Float64Array;
  let relative = 0;
  for (let i = 0; i < X.rows; i++) relative = Math.max(relative, Math.abs(Number(outputs.variable.data[i]) - expected[i]) / Math.max(1, Math.abs(expected[i])));
  assert.ok(relative <= tolerance, `${what}: ONNX values differ from predict by up to ${relative.toExponential(2)} relative (tolerance ${tolerance})`);
  return { rows: X.rows, relative };
}

/** A one-line summary of a parity report for `t.diagnostic`. */
export function describeParity(what: string, report: ParityReport): string {
  const parts = [`${what}: ${report.rows} rows`];
  if (report.labelMismatches !== undefined) parts.push(`${report.labelMismatches} label mismatches`);
  if (report.probability !== undefined) parts.push(`max |probability difference| ${report.probability.toExponential(2)}`);
  if (report.relative !== undefined) parts.push(`max relative difference ${report.relative.toExponential(2)}`);
  return parts.join(', ');
}
