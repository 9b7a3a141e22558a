/**
 * ONNX export of support vector classification (`svm`, libsvm's C-SVC) as an ONNX-ML `SVMClassifier`
 * in libsvm's layout: support vectors grouped by class (`vectors_per_class`), libsvm's `sv_coef` as
 * `coefficients`, and per class pair the intercept, which ONNX Runtime adds where libsvm subtracts
 * rho (so `rho` = -rho). ONNX Runtime decides the label by libsvm's one-vs-one vote (ties to the lower
 * class), as `predict` does; with `break_ties` (more than two classes) the label is instead the ArgMax
 * of the 'ovr' decision values, rebuilt from the pairwise values in default-domain operators.
 *
 * With `probability`, `prob_a` / `prob_b` make ONNX Runtime apply Platt's sigmoids and libsvm's
 * pairwise coupling, as `predictProba`. It does so in float32 (kernels, sigmoids and the coupling's
 * iterations), so probabilities agree with the float64 estimator to about 1e-6, not bit for bit.
 * Without `probability` the estimator has no probabilities and the model writes `scores` instead:
 * its `decisionFunction` (one column for two classes, else one per class for 'ovr' or per pair for
 * 'ovo'), in float32.
 *
 * Precision. ONNX Runtime computes the kernels in float32. A linear kernel on unscaled features
 * would cancel huge terms, so it is exported in primal form (below). Polynomial kernels keep their
 * support vectors: with large kernel values (big gamma or coef0 on unscaled features) float32 loses
 * digits of the decision value (about 4e-4 relative for degree 4, gamma 0.1, coef0 1 on raw iris),
 * which can move probabilities by as much and flip labels within that margin of a boundary.
 */
import { invalidParameter } from '../../core/errors.js';
import type { SerializedEstimator } from '../classical/estimator.js';
import { BATCH, floats, INPUT_NAME, type GraphBuilder } from './graph.js';

interface SvcState {
  nFeatures: number;
  nClasses: number;
  classes: number[];
  gamma: number;
  nSupport: number[];
  supportVectors: number[];
  svCoef: number[];
  rho: number[];
  probA: number[];
  probB: number[];
}

const KERNEL_TYPES: Record<string, string> = { linear: 'LINEAR', poly: 'POLY', rbf: 'RBF', sigmoid: 'SIGMOID' };

/** Exports a fitted `SVC`. */
export function exportSvc(json: SerializedEstimator, g: GraphBuilder): void {
  const state = json.state as unknown as SvcState;
  const { params } = json;
  const kernel = KERNEL_TYPES[params.kernel as string];
  if (!kernel) throw invalidParameter(`cannot export svm: kernel ${JSON.stringify(params.kernel)} has no ONNX SVMClassifier counterpart`);
  const m = state.classes?.length ?? 0;
  const pairs = (m * (m - 1)) / 2;
  if (m < 2 || state.rho?.length !== pairs || state.nSupport?.length !== m || !Array.isArray(state.supportVectors) || !Array.isArray(state.svCoef)) {
    throw invalidParameter('cannot export svm: its state lacks a consistent set of support vectors, coefficients and intercepts');
  }
  const probability = params.probability === true;
  const vectors = kernel === 'LINEAR' ? primalVectors(state) : { nSupport: state.nSupport, supportVectors: state.supportVectors, svCoef: state.svCoef };
  const classifier = (withProbability: boolean) =>
    g.ml('SVMClassifier', [INPUT_NAME], 2, {
      kernel_type: kernel,
      kernel_params: floats([state.gamma, Number(params.coef0 ?? 0), Number(params.degree ?? 3)]),
      vectors_per_class: vectors.nSupport,
      support_vectors: floats(vectors.supportVectors),
      coefficients: floats(vectors.svCoef),
      rho: floats(state.rho.map((r) => -r)),
      classlabels_ints: state.classes,
      post_transform: 'NONE',
      ...(withProbability ? { prob_a: floats(state.probA), prob_b: floats(state.probB) } : {}),
    });

  const [voted, output] = classifier(probability);
  const breakTies = params.break_ties === true && m > 2;
  // Without probabilities the second output holds libsvm's pairwise values; with them a second,
  // probability-free node supplies those values where break_ties needs them.
  const pairwise = !probability ? output : breakTies ? classifier(false)[1] : null;
  const ovr = pairwise !== null && m > 2 && (breakTies || params.decision_function_shape !== 'ovo') ? ovrDecision(g, pairwise, m) : null;
  g.output('label', breakTies ? g.classOf(g.argmax(ovr as string), state.classes, state.nClasses) : voted, 'int64', [BATCH]);
  if (probability) {
    g.output('probabilities', g.spreadClasses(output, state.classes, state.nClasses), 'float', [BATCH, state.nClasses]);
  } else if (m === 2) {
    // ONNX Runtime writes [-d, d] for libsvm's value d (> 0 favours the first class); sklearn's decision is -d.
    g.output('scores', g.op('Gather', [output, g.int64('first', [1], [0])], { axis: 1 }), 'float', [BATCH, 1]);
  } else {
    g.output('scores', ovr ?? output, 'float', [BATCH, ovr ? m : pairs]);
  }
}

/**
 * A linear-kernel model rewritten with one vector per class pair: the pair's primal weights
 * w_ab = sum_i coef_i sv_i, computed in float64. Summing coef_i (x . sv_i) in float32, as ONNX Runtime
 * would, cancels terms far larger than the decision value on unscaled features (breast-cancer's
 * areas run to thousands) and flips labels; x . w_ab does not. The vector for pair (a, b) is filed
 * under class a with coefficient 1 in the row libsvm reads for that pair (b - 1) and 0 elsewhere, so
 * it enters pair (a, b)'s decision value and no other, and the votes, sigmoids and coupling are
 * unchanged.
 */
function primalVectors(state: SvcState): { nSupport: number[]; supportVectors: number[]; svCoef: number[] } {
  const m = state.classes.length;
  const d = state.nFeatures;
  const total = state.nSupport.reduce((a, b) => a + b, 0);
  const start = [0];
  for (let c = 1; c < m; c++) start.push(start[c - 1] + state.nSupport[c - 1]);
  const pairs = (m * (m - 1)) / 2;
  const supportVectors = new Array<number>(pairs * d).fill(0);
  const svCoef = new Array<number>((m - 1) * pairs).fill(0);
  const nSupport = new Array<number>(m).fill(0);
  let v = 0;
  for (let a = 0; a < m; a++) {
    for (let b = a + 1; b < m; b++) {
      // Class a's vectors use coefficient row b - 1 in pair (a, b), class b's row a, as libsvm.
      const terms: [number, number][] = [
        [a, b - 1],
        [b, a],
      ];
      for (const [c, row] of terms) {
        for (let t = start[c]; t < start[c] + state.nSupport[c]; t++) {
          const coef = state.svCoef[row * total + t];
          for (let f = 0; f < d; f++) supportVectors[v * d + f] += coef * state.supportVectors[t * d + f];
        }
      }
      svCoef[(b - 1) * pairs + v] = 1;
      nSupport[a]++;
      v++;
    }
  }
  return { nSupport, supportVectors, svCoef };
}

/**
 * sklearn's `_ovr_decision_function` from pairwise values d (pairs (0,1), (0,2), …; d >= 0 votes for
 * the pair's first class): per class its votes plus its summed confidence c squashed as c / (3 (|c| + 1)).
 */
function ovrDecision(g: GraphBuilder, pairwise: string, m: number): string {
  const pairs = (m * (m - 1)) / 2;
  // sign[p][a] = +1 and sign[p][b] = -1 for pair p = (a, b); firstVotes[c] counts the pairs where c is first.
  const sign = new Float32Array(pairs * m);
  const firstVotes = new Float32Array(m);
  let p = 0;
  for (let a = 0; a < m; a++) {
    for (let b = a + 1; b < m; b++) {
      sign[p * m + a] = 1;
      sign[p * m + b] = -1;
      firstVotes[a]++;
      p++;
    }
  }
  const signs = g.float('pair_signs', [pairs, m], sign);
  const confidence = g.op('MatMul', [pairwise, signs]);
  // A negative value moves the pair's vote from its first class to its second: votes = firstVotes - negative @ sign.
  const negative = g.cast(g.op('Less', [pairwise, g.float('zero', [], [0])]), 'float');
  const votes = g.op('Sub', [g.float('first_votes', [m], firstVotes), g.op('MatMul', [negative, signs])]);
  const squashed = g.op('Div', [confidence, g.op('Mul', [g.float('three', [], [3]), g.op('Add', [g.op('Abs', [confidence]), g.float('one', [], [1])])])]);
  return g.op('Add', [votes, squashed]);
}
