/**
 * Unconstrained L-BFGS minimization as SciPy's `minimize(method='L-BFGS-B')` runs it without bounds,
 * which is what scikit-learn's `LogisticRegression(solver='lbfgs')` calls. Written here because no
 * npm package of quality exists, and because matching scikit-learn means matching SciPy's stopping
 * rules and line search, not just any quasi-Newton method:
 *
 * - direction -H g from the last `memory` (s, y) pairs (two-loop recursion; with no bounds this is the
 *   point L-BFGS-B's Cauchy point plus subspace minimization reaches), H0 scaled by s'y / y'y;
 * - More-Thuente line search (MINPACK-2 `dcsrch` / `dcstep`) with ftol 1e-3, gtol 0.9, xtol 0.1, a
 *   first step of 1 / ||d|| on the first iteration and 1 afterwards, at most 20 evaluations;
 * - stop when the iteration count reaches `maxIterations`, then when max |g_i| <= gtol (SciPy's
 *   projected-gradient test), then when (f_old - f) / max(|f_old|, |f|, 1) <= ftol;
 * - skip a pair whose curvature s'y is not positive enough, and on a failed line search drop the
 *   memory and retry along -g once before giving up, as L-BFGS-B does.
 */

/** Writes the gradient at x into `gradient` and returns the objective's value. */
export type Objective = (x: Float64Array, gradient: Float64Array) => number;

/** Stopping settings; names follow SciPy's L-BFGS-B options. */
export interface LbfgsOptions {
  /** Iterations allowed (SciPy's `maxiter`). */
  maxIterations: number;
  /** Stop once max |g_i| is at most this (SciPy's `gtol`). */
  gtol: number;
  /** Stop once the relative decrease of f is at most this (SciPy's default `ftol`, factr 1e7 x eps). */
  ftol?: number;
  /** Number of correction pairs kept (SciPy's `maxcor`, 10). */
  memory?: number;
  /** Function evaluations allowed (SciPy's `maxfun`, 15000). */
  maxEvaluations?: number;
}

/** Why the minimization stopped. */
export type LbfgsStatus = 'gradient-tolerance' | 'function-tolerance' | 'max-iterations' | 'max-evaluations' | 'line-search-failed';

/** The minimizer found and how it got there. */
export interface LbfgsResult {
  x: Float64Array;
  f: number;
  /** Iterations (accepted steps), as SciPy's `nit`. */
  iterations: number;
  /** Objective evaluations including the one at x0, as SciPy's `nfev`. */
  evaluations: number;
  status: LbfgsStatus;
  /** True when a tolerance was met (not an iteration, evaluation or line-search limit). */
  converged: boolean;
}

const EPSILON = 2.220446049250313e-16;
const LINE_FTOL = 1e-3;
const LINE_GTOL = 0.9;
const LINE_XTOL = 0.1;
const MAX_STEP = 1e10;
const MAX_LINE_EVALUATIONS = 20;

/** Minimizes `objective` from `x0` (which is not modified). */
export function minimizeLbfgs(objective: Objective, x0: Float64Array, options: LbfgsOptions): LbfgsResult {
  const n = x0.length;
  const m = options.memory ?? 10;
  const ftol = options.ftol ?? 2.220446049250313e-9;
  const maxEvaluations = options.maxEvaluations ?? 15000;
  const x = Float64Array.from(x0);
  const g = new Float64Array(n);
  const xOld = new Float64Array(n);
  const gOld = new Float64Array(n);
  const d = new Float64Array(n);
  const S = new Float64Array(m * n);
  const Y = new Float64Array(m * n);
  const rho = new Float64Array(m);
  const alpha = new Float64Array(m);
  let stored = 0;
  let head = 0;
  let gamma = 1;
  let f = objective(x, g);
  let evaluations = 1;
  let iterations = 0;
  const result = (status: LbfgsStatus): LbfgsResult => ({ x, f, iterations, evaluations, status, converged: status === 'gradient-tolerance' || status === 'function-tolerance' });
  if (maxNorm(g) <= options.gtol) return result('gradient-tolerance');
  if (options.maxIterations <= 0) return result('max-iterations');
  const search = new MoreThuente();

  for (;;) {
    // d = -H g by the two-loop recursion over the stored pairs, newest first.
    for (let i = 0; i < n; i++) d[i] = -g[i];
    for (let j = 0; j < stored; j++) {
      const slot = (head - 1 - j + m) % m;
      const a = rho[slot] * dot(S, slot * n, d, n);
      alpha[slot] = a;
      for (let i = 0; i < n; i++) d[i] -= a * Y[slot * n + i];
    }
    if (stored > 0) for (let i = 0; i < n; i++) d[i] *= gamma;
    for (let j = stored - 1; j >= 0; j--) {
      const slot = (head - 1 - j + m) % m;
      const b = rho[slot] * dot(Y, slot * n, d, n);
      const c = alpha[slot] - b;
      for (let i = 0; i < n; i++) d[i] += c * S[slot * n + i];
    }

    // Line search along d from x; L-BFGS-B's `lnsrlb`.
    xOld.set(x);
    gOld.set(g);
    const fOld = f;
    let gd = dot(g, 0, d, n);
    const gdOld = gd;
    let failed = gd >= 0;
    let step = 0;
    if (!failed) {
      step = iterations === 0 ? Math.min(1 / Math.sqrt(dot(d, 0, d, n)), MAX_STEP) : 1;
      search.start(step, LINE_FTOL, LINE_GTOL, LINE_XTOL, 0, MAX_STEP);
      let lineEvaluations = 0;
      for (;;) {
        const task = search.iterate(f, gd);
        step = search.step;
        if (task === 'converged' || task === 'warning') break;
        if (task === 'error' || lineEvaluations >= MAX_LINE_EVALUATIONS) {
          failed = true;
          break;
        }
        for (let i = 0; i < n; i++) x[i] = xOld[i] + step * d[i];
        f = objective(x, g);
        evaluations++;
        lineEvaluations++;
        gd = dot(g, 0, d, n);
      }
    }
    if (failed) {
      x.set(xOld);
      g.set(gOld);
      f = fOld;
      if (stored === 0) {
        iterations++;
        return result('line-search-failed');
      }
      // The memory misled the search: forget it and retry along the steepest descent.
      stored = 0;
      head = 0;
      gamma = 1;
      continue;
    }

    iterations++;
    if (iterations >= options.maxIterations) return result('max-iterations');
    if (evaluations > maxEvaluations) return result('max-evaluations');
    if (maxNorm(g) <= options.gtol) return result('gradient-tolerance');
    if (fOld - f <= ftol * Math.max(Math.abs(fOld), Math.abs(f), 1)) return result('function-tolerance');

    // Store the pair s = x - x_old, y = g - g_old unless its curvature is too small to trust.
    const sy = (gd - gdOld) * step;
    if (sy <= EPSILON * -gdOld * step) continue;
    const slot = head;
    let yy = 0;
    for (let i = 0; i < n; i++) {
      const s = x[i] - xOld[i];
      const y = g[i] - gOld[i];
      S[slot * n + i] = s;
      Y[slot * n + i] = y;
      yy += y * y;
    }
    rho[slot] = 1 / sy;
    gamma = sy / yy;
    head = (head + 1) % m;
    if (stored < m) stored++;
  }
}

function dot(a: Float64Array, offset: number, b: Float64Array, n: number): number {
  let sum = 0;
  for (let i = 0; i < n; i++) sum += a[offset + i] * b[i];
  return sum;
}

function maxNorm(values: Float64Array): number {
  let max = 0;
  for (let i = 0; i < values.length; i++) max = Math.max(max, Math.abs(values[i]));
  return max;
}

/** What the line search asks for next: an evaluation at `step`, or a stop. */
export type LineSearchTask = 'evaluate' | 'converged' | 'warning' | 'error';

/**
 * More and Thuente's line search (ACM TOMS 20, 1994), as MINPACK-2's `dcsrch`: finds a step meeting the
 * sufficient-decrease and curvature conditions by safeguarded cubic and quadratic interpolation.
 * Call `start`, then `iterate(f, g)` with the value and directional derivative at the current step
 * (at step 0 the first time) until it stops asking for evaluations.
 */
export class MoreThuente {
  /** The step to evaluate next, or the accepted one once the search stops. */
  step = 0;
  private ftol = 0;
  private gtol = 0;
  private xtol = 0;
  private stpmin = 0;
  private stpmax = 0;
  private first = true;
  private bracketed = false;
  private stage = 1;
  private finit = 0;
  private ginit = 0;
  private gtest = 0;
  private width = 0;
  private width1 = 0;
  private stx = 0;
  private fx = 0;
  private gx = 0;
  private sty = 0;
  private fy = 0;
  private gy = 0;
  private stmin = 0;
  private stmax = 0;

  /** Begins a search from an initial step with the conditions' constants and step bounds. */
  start(step: number, ftol: number, gtol: number, xtol: number, stpmin: number, stpmax: number): void {
    this.step = step;
    this.ftol = ftol;
    this.gtol = gtol;
    this.xtol = xtol;
    this.stpmin = stpmin;
    this.stpmax = stpmax;
    this.first = true;
  }

  /** Takes f and its derivative along the direction at the current step; says what to do next. */
  iterate(f: number, g: number): LineSearchTask {
    if (this.first) {
      this.first = false;
      if (this.step < this.stpmin || this.step > this.stpmax || g >= 0 || this.ftol < 0 || this.gtol < 0 || this.xtol < 0 || this.stpmin < 0 || this.stpmax < this.stpmin) return 'error';
      this.bracketed = false;
      this.stage = 1;
      this.finit = f;
      this.ginit = g;
      this.gtest = this.ftol * g;
      this.width = this.stpmax - this.stpmin;
      this.width1 = this.width / 0.5;
      this.stx = 0;
      this.fx = f;
      this.gx = g;
      this.sty = 0;
      this.fy = f;
      this.gy = g;
      this.stmin = 0;
      this.stmax = this.step + 4 * this.step;
      return 'evaluate';
    }
    const stp = this.step;
    const ftest = this.finit + stp * this.gtest;
    if (this.stage === 1 && f <= ftest && g >= 0) this.stage = 2;

    let task: LineSearchTask = 'evaluate';
    if (this.bracketed && (stp <= this.stmin || stp >= this.stmax)) task = 'warning';
    if (this.bracketed && this.stmax - this.stmin <= this.xtol * this.stmax) task = 'warning';
    if (stp === this.stpmax && f <= ftest && g <= this.gtest) task = 'warning';
    if (stp === this.stpmin && (f > ftest || g >= this.gtest)) task = 'warning';
    if (f <= ftest && Math.abs(g) <= this.gtol * -this.ginit) task = 'converged';
    if (task !== 'evaluate') return task;

    if (this.stage === 1 && f <= this.fx && f > ftest) {
      // A lower value without sufficient decrease: step on the modified function psi = f - stp * gtest.
      const s = this.takeStep(this.fx - this.stx * this.gtest, this.gx - this.gtest, this.fy - this.sty * this.gtest, this.gy - this.gtest, f - stp * this.gtest, g - this.gtest);
      this.fx = s.fx + this.stx * this.gtest;
      this.fy = s.fy + this.sty * this.gtest;
      this.gx = s.gx + this.gtest;
      this.gy = s.gy + this.gtest;
    } else {
      const s = this.takeStep(this.fx, this.gx, this.fy, this.gy, f, g);
      this.fx = s.fx;
      this.fy = s.fy;
      this.gx = s.gx;
      this.gy = s.gy;
    }

    if (this.bracketed) {
      // Bisect when the interval has not shrunk enough over two steps.
      if (Math.abs(this.sty - this.stx) >= 0.66 * this.width1) this.step = this.stx + 0.5 * (this.sty - this.stx);
      this.width1 = this.width;
      this.width = Math.abs(this.sty - this.stx);
      this.stmin = Math.min(this.stx, this.sty);
      this.stmax = Math.max(this.stx, this.sty);
    } else {
      this.stmin = this.step + 1.1 * (this.step - this.stx);
      this.stmax = this.step + 4 * (this.step - this.stx);
    }
    this.step = Math.min(Math.max(this.step, this.stpmin), this.stpmax);
    if ((this.bracketed && (this.step <= this.stmin || this.step >= this.stmax)) || (this.bracketed && this.stmax - this.stmin <= this.xtol * this.stmax)) this.step = this.stx;
    return 'evaluate';
  }

  /**
   * MINPACK-2's `dcstep`: updates the interval [stx, sty] that brackets a minimizer with the trial at
   * `this.step` (value fp, derivative dp) and sets the next trial step. Returns the interval's values.
   */
  private takeStep(fx: number, dx: number, fy: number, dy: number, fp: number, dp: number): { fx: number; gx: number; fy: number; gy: number } {
    const stx = this.stx;
    const sty = this.sty;
    const stp = this.step;
    const stpmin = this.stmin;
    const stpmax = this.stmax;
    const sgnd = dp * (dx / Math.abs(dx));
    let stpf: number;
    if (fp > fx) {
      // Higher value: a minimizer is bracketed; take the cubic step if closer to stx, else the mean of cubic and quadratic.
      const theta = (3 * (fx - fp)) / (stp - stx) + dx + dp;
      const s = Math.max(Math.abs(theta), Math.abs(dx), Math.abs(dp));
      let gamma = s * Math.sqrt((theta / s) ** 2 - (dx / s) * (dp / s));
      if (stp < stx) gamma = -gamma;
      const p = gamma - dx + theta;
      const q = gamma - dx + gamma + dp;
      const stpc = stx + (p / q) * (stp - stx);
      const stpq = stx + (dx / ((fx - fp) / (stp - stx) + dx) / 2) * (stp - stx);
      stpf = Math.abs(stpc - stx) < Math.abs(stpq - stx) ? stpc : stpc + (stpq - stpc) / 2;
      this.bracketed = true;
    } else if (sgnd < 0) {
      // Lower value, derivatives of opposite sign: bracketed; the cubic step if farther from stp, else the secant.
      const theta = (3 * (fx - fp)) / (stp - stx) + dx + dp;
      const s = Math.max(Math.abs(theta), Math.abs(dx), Math.abs(dp));
      let gamma = s * Math.sqrt((theta / s) ** 2 - (dx / s) * (dp / s));
      if (stp > stx) gamma = -gamma;
      const p = gamma - dp + theta;
      const q = gamma - dp + gamma + dx;
      const stpc = stp + (p / q) * (stx - stp);
      const stpq = stp + (dp / (dp - dx)) * (stx - stp);
      stpf = Math.abs(stpc - stp) > Math.abs(stpq - stp) ? stpc : stpq;
      this.bracketed = true;
    } else if (Math.abs(dp) < Math.abs(dx)) {
      // Lower value, same sign, derivative shrinking: cubic step only where the cubic heads to infinity beyond stp.
      const theta = (3 * (fx - fp)) / (stp - stx) + dx + dp;
      const s = Math.max(Math.abs(theta), Math.abs(dx), Math.abs(dp));
      let gamma = s * Math.sqrt(Math.max(0, (theta / s) ** 2 - (dx / s) * (dp / s)));
      if (stp > stx) gamma = -gamma;
      const p = gamma - dp + theta;
      const q = gamma + (dx - dp) + gamma;
      const r = p / q;
      const stpc = r < 0 && gamma !== 0 ? stp + r * (stx - stp) : stp > stx ? stpmax : stpmin;
      const stpq = stp + (dp / (dp - dx)) * (stx - stp);
      if (this.bracketed) {
        stpf = Math.abs(stpc - stp) < Math.abs(stpq - stp) ? stpc : stpq;
        stpf = stp > stx ? Math.min(stp + 0.66 * (sty - stp), stpf) : Math.max(stp + 0.66 * (sty - stp), stpf);
      } else {
        stpf = Math.abs(stpc - stp) > Math.abs(stpq - stp) ? stpc : stpq;
        stpf = Math.max(stpmin, Math.min(stpmax, stpf));
      }
    } else if (this.bracketed) {
      // Lower value, same sign, derivative not shrinking, bracketed: the cubic step between stp and sty.
      const theta = (3 * (fp - fy)) / (sty - stp) + dy + dp;
      const s = Math.max(Math.abs(theta), Math.abs(dy), Math.abs(dp));
      let gamma = s * Math.sqrt((theta / s) ** 2 - (dy / s) * (dp / s));
      if (stp > sty) gamma = -gamma;
      const p = gamma - dp + theta;
      const q = gamma - dp + gamma + dy;
      stpf = stp + (p / q) * (sty - stp);
    } else {
      stpf = stp > stx ? stpmax : stpmin;
    }

    const out = { fx, gx: dx, fy, gy: dy };
    if (fp > fx) {
      this.sty = stp;
      out.fy = fp;
      out.gy = dp;
    } else {
      if (sgnd < 0) {
        this.sty = stx;
        out.fy = fx;
        out.gy = dx;
      }
      this.stx = stp;
      out.fx = fp;
      out.gx = dp;
    }
    this.step = stpf;
    return out;
  }
}
