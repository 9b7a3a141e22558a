/**
 * ONNX export of k-nearest neighbours (`knn`) with default-domain operators, in double precision,
 * computing what the estimator computes in the order it computes it: for each feature in turn the
 * difference query - training row, its square (p = 2), absolute value (p = 1) or absolute value to the
 * power p, added to the running distance; the k smallest by TopK (which, like the estimator, takes the
 * lower training row first among equal distances); their classes gathered and counted, uniformly or
 * weighted by 1 / distance (only the zero-distance neighbours when there are any, as sklearn); the
 * counts divided by their total. For p = 1 and 2 the distances of float32 inputs come from the same
 * double operations in the same order as the estimator's, so the same neighbours are chosen, ties
 * included; other powers go through Pow, whose last bit may differ from JavaScript's `**`.
 *
 * The training set is part of the model (one initializer per feature), so the file grows with it,
 * and the graph has a few nodes per feature.
 */
import { invalidParameter } from '../../core/errors.js';
import type { SerializedEstimator } from '../classical/estimator.js';
import { BATCH, INPUT_NAME, type GraphBuilder } from './graph.js';

interface KnnState {
  nFeatures: number;
  nClasses: number;
  X: number[];
  y: number[];
}

/** Exports a fitted `KNeighborsClassifier`. */
export function exportKNeighbors(json: SerializedEstimator, g: GraphBuilder): void {
  const state = json.state as unknown as KnnState;
  const { nFeatures: p, nClasses: k } = state;
  const n = state.y?.length ?? 0;
  if (!Array.isArray(state.X) || state.X.length !== n * p || n === 0) throw invalidParameter('cannot export knn: its state lacks the training rows');
  const neighbours = Number(json.params.n_neighbors ?? 5);
  const metric = json.params.metric ?? 'minkowski';
  const power = metric === 'euclidean' ? 2 : metric === 'manhattan' ? 1 : Number(json.params.p ?? 2);
  if (!(neighbours >= 1 && neighbours <= n) || !(power >= 1)) throw invalidParameter('cannot export knn: n_neighbors or p is out of range');

  const x = g.cast(INPUT_NAME, 'double');
  const column = new Float64Array(n);
  let distance = '';
  for (let f = 0; f < p; f++) {
    for (let t = 0; t < n; t++) column[t] = state.X[t * p + f];
    const diff = g.op('Sub', [g.op('Gather', [x, g.int64('feature', [1], [f])], { axis: 1 }), g.double('train', [1, n], column)]);
    const term = power === 2 ? g.op('Mul', [diff, diff]) : power === 1 ? g.op('Abs', [diff]) : g.op('Pow', [g.op('Abs', [diff]), g.double('p', [], [power])]);
    distance = f === 0 ? term : g.op('Add', [distance, term]);
  }
  const nearest = g.name('nearest');
  const indices = g.name('indices');
  g.nodes.push({ op: 'TopK', inputs: [distance, g.int64('k', [1], [neighbours])], outputs: [nearest, indices], attributes: { axis: 1, largest: 0, sorted: 1 } });
  const labels = g.op('Gather', [g.int64('train_classes', [n], state.y), indices], { axis: 0 });
  // One-hot classes [N, n_neighbors, k]: each neighbour's class compared with 0..k-1.
  const classRange = g.int64('class_range', [k], Array.from({ length: k }, (_, c) => c));
  const oneHot = g.cast(g.op('Equal', [g.op('Unsqueeze', [labels, g.int64('axis', [1], [2])]), classRange]), 'double');
  const axis1 = g.int64('axis', [1], [1]);
  let proba: string;
  if (json.params.weights === 'distance') {
    const d = power === 2 ? g.op('Sqrt', [nearest]) : power === 1 ? nearest : g.op('Pow', [nearest, g.double('inverse_p', [], [1 / power])]);
    const zero = g.double('zero', [], [0]);
    const exact = g.cast(g.op('Equal', [d, zero]), 'double');
    const anyExact = g.op('Greater', [g.op('ReduceMax', [exact], { axes: [1], keepdims: 1 }), zero]);
    const weights = g.op('Where', [anyExact, exact, g.op('Reciprocal', [d])]);
    const votes = g.op('ReduceSum', [g.op('Mul', [oneHot, g.op('Unsqueeze', [weights, g.int64('axis', [1], [2])])]), axis1], { keepdims: 0 });
    const total = g.op('ReduceSum', [weights, axis1], { keepdims: 1 });
    // A row whose weights sum to 0 (infinite distances) keeps zero probabilities, as the estimator.
    const divisor = g.op('Where', [g.op('Equal', [total, zero]), g.double('one', [], [1]), total]);
    proba = g.op('Div', [votes, divisor]);
  } else {
    proba = g.op('Div', [g.op('ReduceSum', [oneHot, axis1], { keepdims: 0 }), g.double('count', [], [neighbours])]);
  }
  g.output('label', g.argmax(proba), 'int64', [BATCH]);
  g.output('probabilities', g.cast(proba, 'float'), 'float', [BATCH, k]);
}
