/**
 * Classification outputs to class probabilities. Models exported from different frameworks end either
 * in logits or in a softmax, and MLM metadata rarely says which, so the output itself decides: a batch
 * whose every row is already a probability vector is kept, anything else is put through softmax.
 */
import { invalidParameter } from '../../core/errors.js';

/** How far a row's sum may stray from 1 and still count as probabilities (float32 softmax round-off). */
const SUM_TOLERANCE = 1e-3;

/** Throws unless `output` holds `n` x `c` values with no NaN or +∞ (-∞ is a masked logit, softmax takes it). */
function checkOutput(output: Float32Array, n: number, c: number): void {
  if (!Number.isInteger(n) || n < 0) throw invalidParameter(`sample count ${n} is not a non-negative integer`);
  if (!Number.isInteger(c) || c < 1) throw invalidParameter(`class count ${c} is not a positive integer`);
  if (output.length !== n * c) {
    throw invalidParameter(`classification output holds ${output.length} values, expected ${n} samples x ${c} classes = ${n * c}`);
  }
  for (let i = 0; i < output.length; i++) {
    const v = output[i];
    if (v !== v || v === Infinity) throw invalidParameter(`classification output holds a non-finite value (${v}) at sample ${Math.floor(i / c)}`);
  }
}

/** Whether every row of the [n, c] output lies in [0, 1] and sums to 1 within SUM_TOLERANCE. */
export function isProbabilities(output: Float32Array, n: number, c: number): boolean {
  for (let row = 0; row < n; row++) {
    let sum = 0;
    for (let i = row * c, end = i + c; i < end; i++) {
      const v = output[i];
      if (!(v >= 0 && v <= 1)) return false;
      sum += v;
    }
    if (Math.abs(sum - 1) > SUM_TOLERANCE) return false;
  }
  return true;
}

/** The logistic function, written so that neither large positive nor large negative logits overflow. */
export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/**
 * Per sample, class probabilities from an [n, c] output. Rows are kept when the whole batch already
 * holds probability vectors (all in [0, 1], sums within 1e-3 of 1), else each row goes through a
 * max-subtracted softmax. One class (c == 1) is a binary model's positive class: values all in [0, 1]
 * are taken as its probability p, anything else as a logit through the sigmoid, and each sample gets
 * [1 - p, p] so that class 0 is the negative class.
 */
export function classScores(output: Float32Array, n: number, c: number): number[][] {
  checkOutput(output, n, c);
  const scores: number[][] = new Array(n);
  if (c === 1) {
    let probabilities = true;
    for (let i = 0; i < n; i++) {
      const v = output[i];
      if (!(v >= 0 && v <= 1)) {
        probabilities = false;
        break;
      }
    }
    for (let i = 0; i < n; i++) {
      const p = probabilities ? output[i] : sigmoid(output[i]);
      scores[i] = [1 - p, p];
    }
    return scores;
  }
  if (isProbabilities(output, n, c)) {
    for (let row = 0; row < n; row++) scores[row] = Array.from(output.subarray(row * c, row * c + c));
    return scores;
  }
  for (let row = 0; row < n; row++) {
    const start = row * c;
    let max = -Infinity;
    for (let i = start; i < start + c; i++) if (output[i] > max) max = output[i];
    const probabilities = new Array<number>(c);
    if (max === -Infinity) {
      // Every class masked out: no class is preferred.
      probabilities.fill(1 / c);
    } else {
      let sum = 0;
      for (let k = 0; k < c; k++) sum += probabilities[k] = Math.exp(output[start + k] - max);
      for (let k = 0; k < c; k++) probabilities[k] /= sum;
    }
    scores[row] = probabilities;
  }
  return scores;
}
