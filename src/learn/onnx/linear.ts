/**
 * ONNX export of the linear classifiers, logistic regression (`lr`) and linear discriminant analysis
 * (`lda`), as one ONNX-ML `LinearClassifier` each: scores X @ coef.T + intercept, the label chosen as
 * the estimators choose it (decision > 0 for a single binary row, else the first largest score), and
 * a post-transform that yields their `predictProba`:
 *
 * - one binary row: LOGISTIC, which ONNX Runtime expands to [1 - sigmoid(d), sigmoid(d)];
 * - lr's multinomial model on two classes (softmax([-d, d]) = sigmoid(2d)): the same, with coef and
 *   intercept doubled (exact in floating point, and the sign of 2d is the sign of d);
 * - multinomial lr and multiclass lda: SOFTMAX;
 * - one-vs-rest lr: LOGISTIC per class, then each row divided by its sum, as sklearn normalizes.
 *
 * ONNX Runtime computes the scores in float32 (coefficients are float32 attributes), so probabilities
 * agree with the float64 estimator to float32 rounding of the decision values, not bit for bit.
 */
import { invalidParameter } from '../../core/errors.js';
import type { SerializedEstimator } from '../classical/estimator.js';
import { BATCH, floats, INPUT_NAME, type GraphBuilder } from './graph.js';

/** What a linear model's state holds in common (lr's and lda's `toJSON().state`). */
interface LinearState {
  nFeatures: number;
  nClasses: number;
  classes: number[];
  coef: number[][];
  intercept: number[];
}

type Transform = 'binary' | 'binary-multinomial' | 'softmax' | 'ovr';

function linearState(json: SerializedEstimator): LinearState {
  const state = json.state as unknown as LinearState;
  const ok =
    Number.isInteger(state.nFeatures) &&
    Number.isInteger(state.nClasses) &&
    Array.isArray(state.classes) &&
    Array.isArray(state.coef) &&
    Array.isArray(state.intercept) &&
    state.coef.length === state.intercept.length &&
    state.coef.every((row) => Array.isArray(row) && row.length === state.nFeatures) &&
    (state.coef.length === 1 ? state.classes.length === 2 : state.coef.length === state.classes.length);
  if (!ok) throw invalidParameter(`cannot export ${json.kind}: its state has no consistent coef, intercept and classes`);
  return state;
}

/** Emits the LinearClassifier and the graph outputs `label` and `probabilities`. */
function linearClassifier(g: GraphBuilder, state: LinearState, transform: Transform): void {
  const scale = transform === 'binary-multinomial' ? 2 : 1;
  const [label, scores] = g.ml('LinearClassifier', [INPUT_NAME], 2, {
    coefficients: floats(state.coef.flat().map((v) => v * scale)),
    intercepts: floats(state.intercept.map((v) => v * scale)),
    classlabels_ints: state.classes,
    post_transform: transform === 'softmax' ? 'SOFTMAX' : 'LOGISTIC',
  });
  const proba = transform === 'ovr' ? g.op('Div', [scores, g.rowSum(scores)]) : scores;
  g.output('label', label, 'int64', [BATCH]);
  g.output('probabilities', g.spreadClasses(proba, state.classes, state.nClasses), 'float', [BATCH, state.nClasses]);
}

/** Exports a fitted `LogisticRegression` (binary, multinomial or one-vs-rest). */
export function exportLogisticRegression(json: SerializedEstimator, g: GraphBuilder): void {
  const state = linearState(json);
  const { mode, binaryMultinomial } = json.state as { mode?: unknown; binaryMultinomial?: unknown };
  let transform: Transform;
  if (binaryMultinomial === true) transform = 'binary-multinomial';
  else if (mode === 'binary') transform = 'binary';
  else if (mode === 'multinomial') transform = 'softmax';
  else if (mode === 'ovr') transform = 'ovr';
  else throw invalidParameter(`cannot export lr: unknown mode ${JSON.stringify(mode)} in its state`);
  linearClassifier(g, state, transform);
}

/** Exports a fitted `LinearDiscriminantAnalysis` (any solver: prediction only needs coef and intercept). */
export function exportLinearDiscriminant(json: SerializedEstimator, g: GraphBuilder): void {
  const state = linearState(json);
  linearClassifier(g, state, state.coef.length === 1 ? 'binary' : 'softmax');
}
