/**
 * ONNX export of Gaussian naive Bayes (`nb`) with default-domain operators, in double precision.
 * The joint log-likelihood of class c,
 *   log P(c) - 0.5 sum_f log(2 pi var_cf) - 0.5 sum_f (x_f - theta_cf)^2 / var_cf,
 * is expanded into X^2 @ A + X @ B + base (A = -0.5 / var, B = theta / var), two matrix products
 * whose memory grows with N x k rather than N x k x n_features. The expansion cancels large terms,
 * which float32 could not afford, so X is cast to double and the graph computes in double up to the
 * probabilities (Softmax), cast back to float at the end; the label is the ArgMax of the log-likelihood
 * (first class on ties, as `predict`). A class absent at fit gets a log-likelihood of -inf and so
 * probability 0, as in the estimator.
 */
import { invalidParameter } from '../../core/errors.js';
import type { SerializedEstimator } from '../classical/estimator.js';
import { BATCH, INPUT_NAME, type GraphBuilder } from './graph.js';

interface NaiveBayesState {
  nFeatures: number;
  nClasses: number;
  theta: number[][];
  var: number[][];
  classCount: number[];
  classPrior: number[];
}

/** Exports a fitted `GaussianNB`. */
export function exportGaussianNB(json: SerializedEstimator, g: GraphBuilder): void {
  const state = json.state as unknown as NaiveBayesState;
  const { nFeatures: p, nClasses: k } = state;
  if (!Array.isArray(state.theta) || state.theta.length !== k || !Array.isArray(state.var) || state.var.length !== k || state.classCount?.length !== k || state.classPrior?.length !== k) {
    throw invalidParameter('cannot export nb: its state has no consistent theta, var and priors');
  }
  // A and B are p x k (features by classes) so that X @ A is N x k.
  const A = new Float64Array(p * k);
  const B = new Float64Array(p * k);
  const base = new Float64Array(k);
  for (let c = 0; c < k; c++) {
    if (state.classCount[c] === 0) {
      base[c] = -Infinity;
      continue;
    }
    let logNormalizer = 0;
    let quadratic = 0;
    for (let f = 0; f < p; f++) {
      const variance = state.var[c][f];
      const mean = state.theta[c][f];
      logNormalizer += Math.log(2 * Math.PI * variance);
      quadratic += (mean * mean) / variance;
      A[f * k + c] = -0.5 / variance;
      B[f * k + c] = mean / variance;
    }
    base[c] = Math.log(state.classPrior[c]) - 0.5 * logNormalizer - 0.5 * quadratic;
  }
  const x = g.cast(INPUT_NAME, 'double');
  const squares = g.op('MatMul', [g.op('Mul', [x, x]), g.double('inverse_variance', [p, k], A)]);
  const linear = g.op('MatMul', [x, g.double('mean_over_variance', [p, k], B)]);
  const jll = g.op('Add', [g.op('Add', [squares, linear]), g.double('log_prior_and_normalizer', [k], base)]);
  g.output('label', g.argmax(jll), 'int64', [BATCH]);
  g.output('probabilities', g.cast(g.op('Softmax', [jll], { axis: 1 }), 'float'), 'float', [BATCH, k]);
}
