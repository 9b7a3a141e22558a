/**
 * The SMO solver of libsvm (`Solver::Solve`) for the C-SVC dual of one two-class problem:
 *
 *   min 0.5 a'Qa - e'a   subject to   y'a = 0,   0 <= a_i <= C_i
 *
 * Working sets are chosen with second-order information (WSS3, Fan, Chen & Lin, JMLR 2005); it stops
 * when the maximal violating pair's gap drops below `tol`, shrinks bounded variables as libsvm does, and
 * takes the bias from the free support vectors. Written statement for statement after libsvm, tie-breaks
 * and float32 kernel rows included, so it walks the same path scikit-learn's SVC walks.
 */
import type { SvcQMatrix } from './svm-kernels.js';

const TAU = 1e-12;
const LOWER = 0;
const UPPER = 1;
const FREE = 2;
const IN_UP = 1;
const IN_LOW = 2;

/** What the solver found for one two-class problem. */
export interface SolverResult {
  /** y_i a_i per sample, in the problem's order (zero for non-support vectors). */
  coef: Float64Array;
  /** libsvm's rho: the decision value is sum(coef_i K(x_i, x)) - rho. */
  rho: number;
  /** Iterations taken. */
  iterations: number;
  /** Whether it stopped at `max_iter` rather than converging. */
  timedOut: boolean;
}

/**
 * Solves the C-SVC dual for labels `y` (+1/-1) with per-sample bounds `C` over the Q matrix `Q`,
 * stopping at gap `eps` or after `maxIter` iterations (-1: no limit).
 */
export function solveCSvc(Q: SvcQMatrix, yIn: Int8Array, C: Float64Array, eps: number, shrinking: boolean, maxIter: number): SolverResult {
  return new Solver(Q, yIn, C, eps).solve(shrinking, maxIter);
}

class Solver {
  private readonly l: number;
  private activeSize: number;
  private readonly y: Int8Array;
  private readonly G: Float64Array;
  private readonly Gbar: Float64Array;
  private readonly status: Uint8Array;
  /** Per variable: IN_UP when it may grow along y (I_up), IN_LOW when it may shrink (I_low). */
  private readonly sets: Uint8Array;
  /** y as ±1.0, so the hot loops multiply instead of branching on the label. */
  private readonly sign: Float64Array;
  private readonly alpha: Float64Array;
  private readonly QD: Float64Array;
  private readonly C: Float64Array;
  private readonly p: Float64Array;
  private readonly activeSet: Int32Array;
  private unshrink = false;
  // The search for i that the last gradient update already did, valid until the active set changes.
  private nextValid = false;
  private nextGmax = -Infinity;
  private nextGmaxIdx = -1;

  constructor(
    private readonly Q: SvcQMatrix,
    yIn: Int8Array,
    C: Float64Array,
    private readonly eps: number,
  ) {
    const l = yIn.length;
    this.l = l;
    this.QD = Q.QD;
    this.y = Int8Array.from(yIn);
    this.C = Float64Array.from(C);
    this.p = new Float64Array(l).fill(-1);
    this.alpha = new Float64Array(l);
    this.sign = Float64Array.from(this.y);
    this.status = new Uint8Array(l);
    this.sets = new Uint8Array(l);
    for (let i = 0; i < l; i++) this.updateStatus(i);
    this.activeSet = new Int32Array(l);
    for (let i = 0; i < l; i++) this.activeSet[i] = i;
    this.activeSize = l;
    // alpha starts at 0, so the gradient starts at p and G_bar at 0.
    this.G = Float64Array.from(this.p);
    this.Gbar = new Float64Array(l);
  }

  private updateStatus(i: number): void {
    const status = this.alpha[i] >= this.C[i] ? UPPER : this.alpha[i] <= 0 ? LOWER : FREE;
    this.status[i] = status;
    const positive = this.y[i] === 1;
    const up = positive ? status !== UPPER : status !== LOWER;
    const low = positive ? status !== LOWER : status !== UPPER;
    this.sets[i] = (up ? IN_UP : 0) | (low ? IN_LOW : 0);
  }

  solve(shrinking: boolean, maxIter: number): SolverResult {
    const { l, G, Gbar, alpha, QD, C, y, status, sets, sign, Q } = this;
    let iter = 0;
    let counter = Math.min(l, 1000) + 1;
    let timedOut = false;
    const pair = new Int32Array(2);

    for (;;) {
      if (maxIter !== -1 && iter >= maxIter) {
        timedOut = true;
        break;
      }
      if (--counter === 0) {
        counter = Math.min(l, 1000);
        if (shrinking) this.doShrinking();
      }
      if (!this.selectWorkingSet(pair)) {
        this.reconstructGradient();
        this.activeSize = l;
        if (!this.selectWorkingSet(pair)) break;
        counter = 1; // shrink again on the next iteration
      }
      ++iter;
      const i = pair[0];
      const j = pair[1];
      const activeSize = this.activeSize;
      let Qi = Q.getQ(i, activeSize);
      let Qj = Q.getQ(j, activeSize);
      const Ci = C[i];
      const Cj = C[j];
      const oldAi = alpha[i];
      const oldAj = alpha[j];

      if (y[i] !== y[j]) {
        let quad = QD[i] + QD[j] + 2 * Qi[j];
        if (quad <= 0) quad = TAU;
        const delta = (-G[i] - G[j]) / quad;
        const diff = alpha[i] - alpha[j];
        alpha[i] += delta;
        alpha[j] += delta;
        if (diff > 0) {
          if (alpha[j] < 0) {
            alpha[j] = 0;
            alpha[i] = diff;
          }
        } else if (alpha[i] < 0) {
          alpha[i] = 0;
          alpha[j] = -diff;
        }
        if (diff > Ci - Cj) {
          if (alpha[i] > Ci) {
            alpha[i] = Ci;
            alpha[j] = Ci - diff;
          }
        } else if (alpha[j] > Cj) {
          alpha[j] = Cj;
          alpha[i] = Cj + diff;
        }
      } else {
        let quad = QD[i] + QD[j] - 2 * Qi[j];
        if (quad <= 0) quad = TAU;
        const delta = (G[i] - G[j]) / quad;
        const sum = alpha[i] + alpha[j];
        alpha[i] -= delta;
        alpha[j] += delta;
        if (sum > Ci) {
          if (alpha[i] > Ci) {
            alpha[i] = Ci;
            alpha[j] = sum - Ci;
          }
        } else if (alpha[j] < 0) {
          alpha[j] = 0;
          alpha[i] = sum;
        }
        if (sum > Cj) {
          if (alpha[j] > Cj) {
            alpha[j] = Cj;
            alpha[i] = sum - Cj;
          }
        } else if (alpha[i] < 0) {
          alpha[i] = 0;
          alpha[j] = sum;
        }
      }

      const dAi = alpha[i] - oldAi;
      const dAj = alpha[j] - oldAj;
      const ui = status[i] === UPPER;
      const uj = status[j] === UPPER;
      this.updateStatus(i);
      this.updateStatus(j);

      // The gradient update, fused with the next working-set selection's search for i (the same
      // comparisons in the same order, so the same pick): one pass over the active set instead of two.
      let Gmax = -Infinity;
      let GmaxIdx = -1;
      for (let k = 0; k < activeSize; k++) {
        const g = G[k] + (Qi[k] * dAi + Qj[k] * dAj);
        G[k] = g;
        if (sets[k] & IN_UP) {
          const v = -sign[k] * g; // -y_k G_k, exactly
          if (v >= Gmax) {
            Gmax = v;
            GmaxIdx = k;
          }
        }
      }
      this.nextGmax = Gmax;
      this.nextGmaxIdx = GmaxIdx;
      this.nextValid = true;

      if (ui !== (status[i] === UPPER)) {
        Qi = Q.getQ(i, l);
        if (ui) for (let k = 0; k < l; k++) Gbar[k] -= Ci * Qi[k];
        else for (let k = 0; k < l; k++) Gbar[k] += Ci * Qi[k];
      }
      if (uj !== (status[j] === UPPER)) {
        Qj = Q.getQ(j, l);
        if (uj) for (let k = 0; k < l; k++) Gbar[k] -= Cj * Qj[k];
        else for (let k = 0; k < l; k++) Gbar[k] += Cj * Qj[k];
      }
    }

    const rho = this.calculateRho();
    const coef = new Float64Array(l);
    for (let i = 0; i < l; i++) coef[this.activeSet[i]] = alpha[i] * y[i];
    return { coef, rho, iterations: iter, timedOut };
  }

  // WSS3: i maximises -y_i G_i over I_up; j minimises the second-order objective decrease over I_low.
  private selectWorkingSet(out: Int32Array): boolean {
    const { G, sets, sign, QD, activeSize } = this;
    let Gmax = -Infinity;
    let Gmax2 = -Infinity;
    let GmaxIdx = -1;
    let GminIdx = -1;
    let objDiffMin = Infinity;

    if (this.nextValid) {
      Gmax = this.nextGmax;
      GmaxIdx = this.nextGmaxIdx;
    } else {
      for (let t = 0; t < activeSize; t++) {
        if (sets[t] & IN_UP) {
          const v = -sign[t] * G[t];
          if (v >= Gmax) {
            Gmax = v;
            GmaxIdx = t;
          }
        }
      }
    }
    this.nextValid = false;
    // No i in I_up: libsvm's second loop could then only track Gmax2, which cannot change the outcome.
    if (GmaxIdx === -1) return false;

    const i = GmaxIdx;
    const Qi = this.Q.getQ(i, activeSize);
    const twiceYi = 2.0 * sign[i];
    const QDi = QD[i];
    for (let j = 0; j < activeSize; j++) {
      if (sets[j] & IN_LOW) {
        // libsvm writes the y_j = +1 and -1 cases apart; with v = y_j G_j and the sign folded into the
        // kernel term they are the same arithmetic (negation is exact), in one branch.
        const v = sign[j] * G[j];
        if (v >= Gmax2) Gmax2 = v;
        const gradDiff = Gmax + v;
        if (gradDiff > 0) {
          const quad = QDi + QD[j] - twiceYi * sign[j] * Qi[j];
          const objDiff = quad > 0 ? -(gradDiff * gradDiff) / quad : -(gradDiff * gradDiff) / TAU;
          if (objDiff <= objDiffMin) {
            GminIdx = j;
            objDiffMin = objDiff;
          }
        }
      }
    }

    if (Gmax + Gmax2 < this.eps || GminIdx === -1) return false;
    out[0] = GmaxIdx;
    out[1] = GminIdx;
    return true;
  }

  private beShrunk(i: number, Gmax1: number, Gmax2: number): boolean {
    const { status, y, G } = this;
    if (status[i] === UPPER) return y[i] === 1 ? -G[i] > Gmax1 : -G[i] > Gmax2;
    if (status[i] === LOWER) return y[i] === 1 ? G[i] > Gmax2 : G[i] > Gmax1;
    return false;
  }

  private doShrinking(): void {
    this.nextValid = false;
    const { G, y, status } = this;
    let Gmax1 = -Infinity; // max { -y_i G_i | i in I_up }
    let Gmax2 = -Infinity; // max { y_i G_i | i in I_low }
    for (let i = 0; i < this.activeSize; i++) {
      if (y[i] === 1) {
        if (status[i] !== UPPER && -G[i] >= Gmax1) Gmax1 = -G[i];
        if (status[i] !== LOWER && G[i] >= Gmax2) Gmax2 = G[i];
      } else {
        if (status[i] !== UPPER && -G[i] >= Gmax2) Gmax2 = -G[i];
        if (status[i] !== LOWER && G[i] >= Gmax1) Gmax1 = G[i];
      }
    }
    if (!this.unshrink && Gmax1 + Gmax2 <= this.eps * 10) {
      this.unshrink = true;
      this.reconstructGradient();
      this.activeSize = this.l;
    }
    for (let i = 0; i < this.activeSize; i++) {
      if (this.beShrunk(i, Gmax1, Gmax2)) {
        this.activeSize--;
        while (this.activeSize > i) {
          if (!this.beShrunk(this.activeSize, Gmax1, Gmax2)) {
            this.swapIndex(i, this.activeSize);
            break;
          }
          this.activeSize--;
        }
      }
    }
  }

  private swapIndex(i: number, j: number): void {
    this.Q.swapIndex(i, j);
    swap(this.y, i, j);
    swap(this.G, i, j);
    swap(this.status, i, j);
    swap(this.sets, i, j);
    swap(this.sign, i, j);
    swap(this.alpha, i, j);
    swap(this.p, i, j);
    swap(this.activeSet, i, j);
    swap(this.Gbar, i, j);
    swap(this.C, i, j);
  }

  // Restores the gradient of shrunk variables from G_bar and the free variables.
  private reconstructGradient(): void {
    const { l, activeSize, G, Gbar, p, status, alpha, Q } = this;
    if (activeSize === l) return;
    for (let j = activeSize; j < l; j++) G[j] = Gbar[j] + p[j];
    let nFree = 0;
    for (let j = 0; j < activeSize; j++) if (status[j] === FREE) nFree++;
    if (nFree * l > 2 * activeSize * (l - activeSize)) {
      for (let i = activeSize; i < l; i++) {
        const Qi = Q.getQ(i, activeSize);
        for (let j = 0; j < activeSize; j++) if (status[j] === FREE) G[i] += alpha[j] * Qi[j];
      }
    } else {
      for (let i = 0; i < activeSize; i++) {
        if (status[i] !== FREE) continue;
        const Qi = Q.getQ(i, l);
        const ai = alpha[i];
        for (let j = activeSize; j < l; j++) G[j] += ai * Qi[j];
      }
    }
  }

  // rho: the mean of y_i G_i over free variables, else the middle of the feasible interval.
  private calculateRho(): number {
    const { G, y, status } = this;
    let nFree = 0;
    let ub = Infinity;
    let lb = -Infinity;
    let sumFree = 0;
    for (let i = 0; i < this.activeSize; i++) {
      const yG = y[i] * G[i];
      if (status[i] === UPPER) {
        if (y[i] === -1) ub = Math.min(ub, yG);
        else lb = Math.max(lb, yG);
      } else if (status[i] === LOWER) {
        if (y[i] === 1) ub = Math.min(ub, yG);
        else lb = Math.max(lb, yG);
      } else {
        ++nFree;
        sumFree += yG;
      }
    }
    return nFree > 0 ? sumFree / nFree : (ub + lb) / 2;
  }
}

function swap(values: Int8Array | Uint8Array | Int32Array | Float64Array, i: number, j: number): void {
  const t = values[i];
  values[i] = values[j];
  values[j] = t;
}
