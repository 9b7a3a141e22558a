/**
 * Split criteria over a node's samples `samples[start:end)`, kept as running sums the way scikit-learn's
 * `_criterion.pyx` keeps them: Gini and entropy (log base 2) over weighted class counts, and squared
 * error over weighted sums of y and y². Splitters move a boundary `pos` rightwards with `update` and
 * compare candidate splits by `proxyImprovement`, which orders splits as the real improvement does
 * but is cheaper; the arithmetic follows scikit-learn's so that ties between equally good splits are
 * ties here too.
 */

/** Node statistics for one task: what splitters and the tree builder ask of a criterion. */
export interface Criterion {
  /** Total weight of the node's samples. */
  readonly weightedNNodeSamples: number;
  readonly weightedNLeft: number;
  readonly weightedNRight: number;
  /** Impurity of each side after `childrenImpurity`. */
  impurityLeft: number;
  impurityRight: number;
  /** Starts a node: sums over samples[start:end), boundary at start. */
  init(samples: Int32Array, start: number, end: number): void;
  /** Moves the boundary back to start (everything on the right). */
  reset(): void;
  /** Moves the boundary to `pos` (samples[start:pos) on the left). */
  update(pos: number): void;
  nodeImpurity(): number;
  /** Sets impurityLeft and impurityRight for the current boundary. */
  childrenImpurity(): void;
  /** A monotone stand-in for the impurity decrease of the current boundary. */
  proxyImprovement(): number;
  /** Writes the node's value (class proportions, or the mean) at `dest[offset:]`. */
  nodeValue(dest: Float64Array, offset: number): void;
}

/** The weighted impurity decrease of a split, as scikit-learn's `impurity_improvement` (used for importances and min_impurity_decrease). */
export function impurityImprovement(criterion: Criterion, parentImpurity: number, weightedNSamples: number): number {
  const w = criterion.weightedNNodeSamples;
  return (w / weightedNSamples) * (parentImpurity - (criterion.weightedNRight / w) * criterion.impurityRight - (criterion.weightedNLeft / w) * criterion.impurityLeft);
}

/** Impurity of weighted class counts `sum[offset:offset+k)` with total weight `w`. */
export function classImpurity(sum: Float64Array, offset: number, k: number, w: number, entropy: boolean): number {
  if (entropy) {
    let h = 0;
    for (let c = 0; c < k; c++) {
      const count = sum[offset + c];
      if (count > 0) {
        const p = count / w;
        // ln(p) / ln(2) rather than Math.log2, as scikit-learn's `log` computes it, to the last bit.
        h -= p * (Math.log(p) / Math.LN2);
      }
    }
    return h;
  }
  let sq = 0;
  for (let c = 0; c < k; c++) sq += sum[offset + c] * sum[offset + c];
  return 1 - sq / (w * w);
}

/** Gini or entropy over class indices y, with per-sample weights. */
export class ClassificationCriterion implements Criterion {
  readonly sumTotal: Float64Array;
  readonly sumLeft: Float64Array;
  readonly sumRight: Float64Array;
  weightedNNodeSamples = 0;
  weightedNLeft = 0;
  weightedNRight = 0;
  impurityLeft = 0;
  impurityRight = 0;
  private samples: Int32Array = new Int32Array(0);
  private start = 0;
  private end = 0;
  private pos = 0;

  constructor(
    private readonly y: Int32Array,
    private readonly weights: Float64Array,
    readonly k: number,
    readonly entropy: boolean,
  ) {
    this.sumTotal = new Float64Array(k);
    this.sumLeft = new Float64Array(k);
    this.sumRight = new Float64Array(k);
  }

  init(samples: Int32Array, start: number, end: number): void {
    this.samples = samples;
    this.start = start;
    this.end = end;
    this.sumTotal.fill(0);
    this.weightedNNodeSamples = addClassWeights(this.y, this.weights, samples, start, end, this.sumTotal, 0);
    this.reset();
  }

  reset(): void {
    this.pos = this.start;
    this.sumLeft.fill(0);
    this.sumRight.set(this.sumTotal);
    this.weightedNLeft = 0;
    this.weightedNRight = this.weightedNNodeSamples;
  }

  private reverseReset(): void {
    this.pos = this.end;
    this.sumLeft.set(this.sumTotal);
    this.sumRight.fill(0);
    this.weightedNLeft = this.weightedNNodeSamples;
    this.weightedNRight = 0;
  }

  update(newPos: number): void {
    const { sumLeft, sumRight, sumTotal, k } = this;
    // Walks from whichever end is nearer, as scikit-learn does, so a boundary near the end is cheap.
    if (newPos - this.pos <= this.end - newPos) {
      this.weightedNLeft = addClassWeights(this.y, this.weights, this.samples, this.pos, newPos, sumLeft, this.weightedNLeft);
    } else {
      this.reverseReset();
      this.weightedNLeft = removeClassWeights(this.y, this.weights, this.samples, newPos, this.end, sumLeft, this.weightedNLeft);
    }
    this.weightedNRight = this.weightedNNodeSamples - this.weightedNLeft;
    for (let c = 0; c < k; c++) sumRight[c] = sumTotal[c] - sumLeft[c];
    this.pos = newPos;
  }

  nodeImpurity(): number {
    return classImpurity(this.sumTotal, 0, this.k, this.weightedNNodeSamples, this.entropy);
  }

  childrenImpurity(): void {
    this.impurityLeft = classImpurity(this.sumLeft, 0, this.k, this.weightedNLeft, this.entropy);
    this.impurityRight = classImpurity(this.sumRight, 0, this.k, this.weightedNRight, this.entropy);
  }

  proxyImprovement(): number {
    const left = classImpurity(this.sumLeft, 0, this.k, this.weightedNLeft, this.entropy);
    const right = classImpurity(this.sumRight, 0, this.k, this.weightedNRight, this.entropy);
    return -this.weightedNRight * right - this.weightedNLeft * left;
  }

  nodeValue(dest: Float64Array, offset: number): void {
    // Proportions rather than scikit-learn's raw counts: predict_proba divides by the same total.
    const w = this.weightedNNodeSamples;
    for (let c = 0; c < this.k; c++) dest[offset + c] = this.sumTotal[c] / w;
  }
}

/** Squared error (variance) over real targets, with per-sample weights. */
export class RegressionCriterion implements Criterion {
  sumTotal = 0;
  sqSumTotal = 0;
  sumLeft = 0;
  sumRight = 0;
  weightedNNodeSamples = 0;
  weightedNLeft = 0;
  weightedNRight = 0;
  impurityLeft = 0;
  impurityRight = 0;
  private samples: Int32Array = new Int32Array(0);
  private start = 0;
  private end = 0;
  private pos = 0;

  constructor(
    private readonly y: Float64Array,
    private readonly weights: Float64Array,
  ) {}

  init(samples: Int32Array, start: number, end: number): void {
    this.samples = samples;
    this.start = start;
    this.end = end;
    const totals = regressionTotals(this.y, this.weights, samples, start, end);
    this.sumTotal = totals[0];
    this.sqSumTotal = totals[1];
    this.weightedNNodeSamples = totals[2];
    this.reset();
  }

  reset(): void {
    this.pos = this.start;
    this.sumLeft = 0;
    this.sumRight = this.sumTotal;
    this.weightedNLeft = 0;
    this.weightedNRight = this.weightedNNodeSamples;
  }

  update(newPos: number): void {
    const moved =
      newPos - this.pos <= this.end - newPos
        ? addTargets(this.y, this.weights, this.samples, this.pos, newPos, this.sumLeft, this.weightedNLeft)
        : removeTargets(this.y, this.weights, this.samples, newPos, this.end, this.sumTotal, this.weightedNNodeSamples);
    this.sumLeft = moved[0];
    this.weightedNLeft = moved[1];
    this.weightedNRight = this.weightedNNodeSamples - this.weightedNLeft;
    this.sumRight = this.sumTotal - this.sumLeft;
    this.pos = newPos;
  }

  nodeImpurity(): number {
    const mean = this.sumTotal / this.weightedNNodeSamples;
    return this.sqSumTotal / this.weightedNNodeSamples - mean * mean;
  }

  childrenImpurity(): void {
    const sqLeft = squaredTargets(this.y, this.weights, this.samples, this.start, this.pos);
    const sqRight = this.sqSumTotal - sqLeft;
    const meanLeft = this.sumLeft / this.weightedNLeft;
    const meanRight = this.sumRight / this.weightedNRight;
    this.impurityLeft = sqLeft / this.weightedNLeft - meanLeft * meanLeft;
    this.impurityRight = sqRight / this.weightedNRight - meanRight * meanRight;
  }

  proxyImprovement(): number {
    return (this.sumLeft * this.sumLeft) / this.weightedNLeft + (this.sumRight * this.sumRight) / this.weightedNRight;
  }

  nodeValue(dest: Float64Array, offset: number): void {
    dest[offset] = this.sumTotal / this.weightedNNodeSamples;
  }
}

// The loops over samples live in small functions of their own: V8 compiles a long loop on the fly
// before the code after it has run, and such code keeps deoptimizing when it gets there.

/** Adds samples[from:to)'s weights to their classes in `sum`; returns `w` plus the weight added. */
function addClassWeights(y: Int32Array, weights: Float64Array, samples: Int32Array, from: number, to: number, sum: Float64Array, w: number): number {
  for (let p = from; p < to; p++) {
    const s = samples[p];
    sum[y[s]] += weights[s];
    w += weights[s];
  }
  return w;
}

/** Removes samples[from:to)'s weights from their classes, last sample first; returns `w` less the weight removed. */
function removeClassWeights(y: Int32Array, weights: Float64Array, samples: Int32Array, from: number, to: number, sum: Float64Array, w: number): number {
  for (let p = to - 1; p >= from; p--) {
    const s = samples[p];
    sum[y[s]] -= weights[s];
    w -= weights[s];
  }
  return w;
}

const pair = new Float64Array(2);
const triple = new Float64Array(3);

/** Weighted sum of y, of y², and total weight over samples[from:to). */
function regressionTotals(y: Float64Array, weights: Float64Array, samples: Int32Array, from: number, to: number): Float64Array {
  let sum = 0;
  let sq = 0;
  let w = 0;
  for (let p = from; p < to; p++) {
    const s = samples[p];
    const wy = weights[s] * y[s];
    sum += wy;
    sq += wy * y[s];
    w += weights[s];
  }
  triple[0] = sum;
  triple[1] = sq;
  triple[2] = w;
  return triple;
}

/** Adds samples[from:to) to a running weighted sum and weight, in order. */
function addTargets(y: Float64Array, weights: Float64Array, samples: Int32Array, from: number, to: number, sum: number, w: number): Float64Array {
  for (let p = from; p < to; p++) {
    const s = samples[p];
    sum += weights[s] * y[s];
    w += weights[s];
  }
  pair[0] = sum;
  pair[1] = w;
  return pair;
}

/** Removes samples[from:to) from a weighted sum and weight, last sample first. */
function removeTargets(y: Float64Array, weights: Float64Array, samples: Int32Array, from: number, to: number, sum: number, w: number): Float64Array {
  for (let p = to - 1; p >= from; p--) {
    const s = samples[p];
    sum -= weights[s] * y[s];
    w -= weights[s];
  }
  pair[0] = sum;
  pair[1] = w;
  return pair;
}

/** Weighted sum of y² over samples[from:to). */
function squaredTargets(y: Float64Array, weights: Float64Array, samples: Int32Array, from: number, to: number): number {
  let sq = 0;
  for (let p = from; p < to; p++) {
    const s = samples[p];
    sq += weights[s] * y[s] * y[s];
  }
  return sq;
}
