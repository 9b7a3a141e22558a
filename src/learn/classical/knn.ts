/**
 * k-nearest-neighbours classification as scikit-learn 1.2's `KNeighborsClassifier`, by exact brute-force
 * search: queries and training rows are visited in blocks (a block of training rows stays in cache
 * while a block of queries is scanned against it), each query keeps its k best in a fixed-size max-heap
 * of typed arrays, and a distance stops accumulating once it exceeds the query's current k-th best.
 *
 * Votes are counted per class (`weights` 'uniform') or weighted by 1 / distance ('distance'; when a
 * query coincides with training points, those points take all the weight, as sklearn); the predicted
 * class is the one with the most votes, the lowest class index on a tie, as sklearn's mode.
 * Neighbours at equal distance are taken in training-row order. sklearn's tree searches may break such
 * ties otherwise, so a prediction can differ where the k-th and (k+1)-th neighbours are equidistant.
 * `algorithm`, `leaf_size` and `n_jobs` are accepted for compatibility; the search is always brute force.
 */
import { invalidParameter } from '../../core/errors.js';
import {
  checkClassification,
  checkFeatures,
  checkParamNames,
  choiceParam,
  numberParam,
  type Classifier,
  type FitOptions,
  type Matrix,
  type Params,
  type SerializedEstimator,
} from './estimator.js';

const KIND = 'knn';
const PARAM_NAMES = ['n_neighbors', 'weights', 'p', 'metric', 'algorithm', 'leaf_size', 'n_jobs'] as const;
/** Training rows per block: 256 rows of a few dozen features stay well inside L2 cache. */
const TRAIN_BLOCK = 256;
/** Queries per block. */
const QUERY_BLOCK = 64;

interface KnnState {
  nFeatures: number;
  nClasses: number;
  /** The training features, row-major (nSamples x nFeatures). */
  X: number[];
  /** The training class indices. */
  y: number[];
}

/** The k nearest training rows of each query: rows x k row-major, nearest first. */
export interface Neighbours {
  distances: Float64Array;
  indices: Int32Array;
  k: number;
}

/** k-nearest-neighbours classifier (Minkowski distance, brute-force search). */
export class KNeighborsClassifier implements Classifier {
  readonly kind = KIND;
  readonly task = 'classification' as const;
  readonly params: Params;
  private readonly nNeighbors: number;
  private readonly weights: 'uniform' | 'distance';
  /** The Minkowski power actually used (metric 'euclidean' is 2, 'manhattan' 1). */
  private readonly power: number;
  private state: KnnState | undefined;
  private train: Float64Array | undefined;
  private labels: Int32Array | undefined;

  /** Takes scikit-learn's hyper-parameters; unknown names and bad values are refused. */
  constructor(params: Params = {}) {
    checkParamNames(params, PARAM_NAMES, 'KNeighborsClassifier');
    this.nNeighbors = numberParam(params, 'n_neighbors', 5, (v) => Number.isInteger(v) && v >= 1, 'a whole number >= 1');
    this.weights = choiceParam(params, 'weights', 'uniform', ['uniform', 'distance']);
    const p = numberParam(params, 'p', 2, (v) => v >= 1, 'a number >= 1');
    const metric = choiceParam(params, 'metric', 'minkowski', ['minkowski', 'euclidean', 'manhattan']);
    this.power = metric === 'euclidean' ? 2 : metric === 'manhattan' ? 1 : p;
    const algorithm = choiceParam(params, 'algorithm', 'auto', ['auto', 'brute', 'kd_tree', 'ball_tree']);
    const leafSize = numberParam(params, 'leaf_size', 30, (v) => Number.isInteger(v) && v >= 1, 'a whole number >= 1');
    const nJobs = params.n_jobs ?? null;
    if (nJobs !== null && !(typeof nJobs === 'number' && Number.isInteger(nJobs))) throw invalidParameter(`n_jobs must be null or a whole number, got ${JSON.stringify(nJobs)}`);
    this.params = { n_neighbors: this.nNeighbors, weights: this.weights, p, metric, algorithm, leaf_size: leafSize, n_jobs: nJobs };
  }

  /** Number of classes seen at fit (0 before). */
  get nClasses(): number {
    return this.state?.nClasses ?? 0;
  }

  /** Stores the training set; `n_neighbors` may not exceed its rows. */
  async fit(X: Matrix, y: Int32Array, options: FitOptions = {}): Promise<void> {
    const k = checkClassification(X, y, options);
    if (this.nNeighbors > X.rows) throw invalidParameter(`n_neighbors is ${this.nNeighbors} but there are only ${X.rows} training rows`);
    this.train = Float64Array.from(X.data);
    this.labels = Int32Array.from(y);
    this.state = { nFeatures: X.cols, nClasses: k, X: Array.from(X.data), y: Array.from(y) };
  }

  private fitted(X: Matrix): KnnState {
    if (!this.state) throw invalidParameter('KNeighborsClassifier is not fitted yet; call fit first');
    checkFeatures(X, this.state.nFeatures, 'KNeighborsClassifier');
    return this.state;
  }

  /** The `nNeighbors` (default `n_neighbors`) nearest training rows of each row of X, nearest first. */
  kneighbors(X: Matrix, nNeighbors = this.nNeighbors): Neighbours {
    const state = this.fitted(X);
    const train = this.train as Float64Array;
    const p = state.nFeatures;
    const n = state.y.length;
    const k = nNeighbors;
    if (!Number.isInteger(k) || k < 1 || k > n) throw invalidParameter(`nNeighbors must be a whole number from 1 to ${n}, got ${k}`);
    const power = this.power;
    const queries = X.data;
    const distances = new Float64Array(X.rows * k);
    const indices = new Int32Array(X.rows * k);
    const sizes = new Int32Array(QUERY_BLOCK);

    for (let q0 = 0; q0 < X.rows; q0 += QUERY_BLOCK) {
      const q1 = Math.min(q0 + QUERY_BLOCK, X.rows);
      sizes.fill(0);
      for (let t0 = 0; t0 < n; t0 += TRAIN_BLOCK) {
        const t1 = Math.min(t0 + TRAIN_BLOCK, n);
        for (let q = q0; q < q1; q++) {
          const heapD = distances.subarray(q * k, (q + 1) * k);
          const heapI = indices.subarray(q * k, (q + 1) * k);
          const qOffset = q * p;
          let size = sizes[q - q0];
          for (let t = t0; t < t1; t++) {
            // Once the heap is full its root bounds what is worth finishing; rows order ties, so only a
            // strictly smaller distance can enter.
            const bound = size === k ? heapD[0] : Infinity;
            const tOffset = t * p;
            let d = 0;
            if (power === 2) {
              for (let f = 0; f < p && d <= bound; f++) {
                const diff = queries[qOffset + f] - train[tOffset + f];
                d += diff * diff;
              }
            } else if (power === 1) {
              for (let f = 0; f < p && d <= bound; f++) d += Math.abs(queries[qOffset + f] - train[tOffset + f]);
            } else {
              for (let f = 0; f < p && d <= bound; f++) d += Math.abs(queries[qOffset + f] - train[tOffset + f]) ** power;
            }
            if (size < k) {
              siftUp(heapD, heapI, size, d, t);
              size++;
            } else if (d < bound) {
              siftDown(heapD, heapI, k, d, t);
            }
          }
          sizes[q - q0] = size;
        }
      }
      for (let q = q0; q < q1; q++) sortNeighbours(distances.subarray(q * k, (q + 1) * k), indices.subarray(q * k, (q + 1) * k), power);
    }
    return { distances, indices, k };
  }

  /** Class probabilities, rows x nClasses: each class's share of the (weighted) neighbour votes. */
  predictProba(X: Matrix): Float64Array {
    const state = this.fitted(X);
    const labels = this.labels as Int32Array;
    const classes = state.nClasses;
    const { distances, indices, k } = this.kneighbors(X);
    const out = new Float64Array(X.rows * classes);
    for (let i = 0; i < X.rows; i++) {
      const row = i * classes;
      const first = i * k;
      // Sorted nearest first, so a zero distance, if any, is the first neighbour.
      const exact = this.weights === 'distance' && distances[first] === 0;
      let total = 0;
      for (let j = first; j < first + k; j++) {
        const weight = this.weights === 'uniform' ? 1 : exact ? (distances[j] === 0 ? 1 : 0) : 1 / distances[j];
        out[row + labels[indices[j]]] += weight;
        total += weight;
      }
      // As sklearn, a row whose weights sum to 0 (distances overflowing to Infinity) is left at 0.
      if (total === 0) total = 1;
      for (let c = 0; c < classes; c++) out[row + c] /= total;
    }
    return out;
  }

  /** The class with the most (weighted) neighbour votes; the lowest class index on a tie. */
  predict(X: Matrix): Int32Array {
    const classes = this.fitted(X).nClasses;
    const proba = this.predictProba(X);
    const out = new Int32Array(X.rows);
    for (let i = 0; i < X.rows; i++) {
      let best = 0;
      for (let c = 1; c < classes; c++) if (proba[i * classes + c] > proba[i * classes + best]) best = c;
      out[i] = best;
    }
    return out;
  }

  /** The fitted model as JSON: the training rows and their classes. */
  toJSON(): SerializedEstimator {
    if (!this.state) throw invalidParameter('KNeighborsClassifier is not fitted yet; call fit first');
    return { kind: KIND, task: 'classification', params: { ...this.params }, state: { ...this.state } };
  }

  /** Restores a model saved by `toJSON`; predictions are bit-identical. */
  static fromJSON(json: SerializedEstimator): KNeighborsClassifier {
    if (json.kind !== KIND) throw invalidParameter(`expected a serialized ${KIND} model, got ${json.kind}`);
    const model = new KNeighborsClassifier(json.params);
    const state = json.state as unknown as KnnState;
    if (!Array.isArray(state.X) || !Array.isArray(state.y) || state.X.length !== state.y.length * state.nFeatures || state.y.some((c) => !Number.isInteger(c) || c < 0 || c >= state.nClasses)) {
      throw invalidParameter('serialized KNeighborsClassifier state is malformed');
    }
    if (model.nNeighbors > state.y.length) throw invalidParameter(`n_neighbors is ${model.nNeighbors} but the model holds only ${state.y.length} training rows`);
    model.state = { nFeatures: state.nFeatures, nClasses: state.nClasses, X: [...state.X], y: [...state.y] };
    model.train = Float64Array.from(state.X);
    model.labels = Int32Array.from(state.y);
    return model;
  }
}

/** Whether neighbour (d1, i1) ranks after (d2, i2): farther, or as far with a later training row. */
function after(d1: number, i1: number, d2: number, i2: number): boolean {
  return d1 > d2 || (d1 === d2 && i1 > i2);
}

/** Adds (d, index) to a max-heap holding `size` entries. */
function siftUp(heapD: Float64Array, heapI: Int32Array, size: number, d: number, index: number): void {
  let child = size;
  while (child > 0) {
    const parent = (child - 1) >> 1;
    if (!after(d, index, heapD[parent], heapI[parent])) break;
    heapD[child] = heapD[parent];
    heapI[child] = heapI[parent];
    child = parent;
  }
  heapD[child] = d;
  heapI[child] = index;
}

/** Replaces the root of a full max-heap of `size` entries with (d, index). */
function siftDown(heapD: Float64Array, heapI: Int32Array, size: number, d: number, index: number): void {
  let parent = 0;
  for (;;) {
    let child = 2 * parent + 1;
    if (child >= size) break;
    if (child + 1 < size && after(heapD[child + 1], heapI[child + 1], heapD[child], heapI[child])) child++;
    if (!after(heapD[child], heapI[child], d, index)) break;
    heapD[parent] = heapD[child];
    heapI[parent] = heapI[child];
    parent = child;
  }
  heapD[parent] = d;
  heapI[parent] = index;
}

/** Sorts a full heap in place nearest first (heapsort; ties by training row) and turns entries into Minkowski distances. */
function sortNeighbours(heapD: Float64Array, heapI: Int32Array, power: number): void {
  for (let end = heapD.length - 1; end > 0; end--) {
    const rootD = heapD[0];
    const rootI = heapI[0];
    siftDown(heapD, heapI, end, heapD[end], heapI[end]);
    heapD[end] = rootD;
    heapI[end] = rootI;
  }
  if (power === 1) return;
  for (let j = 0; j < heapD.length; j++) heapD[j] = power === 2 ? Math.sqrt(heapD[j]) : heapD[j] ** (1 / power);
}
