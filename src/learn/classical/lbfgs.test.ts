import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MoreThuente, minimizeLbfgs, type Objective } from './lbfgs.js';

/** The n-dimensional Rosenbrock function, as scipy.optimize.rosen / rosen_der. */
const rosenbrock: Objective = (x, g) => {
  let f = 0;
  g.fill(0);
  for (let i = 0; i < x.length - 1; i++) {
    const a = x[i + 1] - x[i] * x[i];
    const b = 1 - x[i];
    f += 100 * a * a + b * b;
    g[i] += -400 * x[i] * a - 2 * b;
    g[i + 1] += 200 * a;
  }
  return f;
};

describe('minimizeLbfgs', () => {
  it('takes the same path as SciPy L-BFGS-B on Rosenbrock (iterations and evaluations)', () => {
    // scipy 1.10: minimize(rosen, x0, jac=rosen_der, method='L-BFGS-B', options={'gtol': 1e-5}) gives
    // nit 36, nfev 44 from (-1.2, 1) and nit 46, nfev 53 from (-1.2, 1, -1.2, 1, 0.5), both stopping on
    // the relative reduction of f. Equal counts mean the line search and the updates are SciPy's.
    const cases = [
      { x0: [-1.2, 1], iterations: 36, evaluations: 44, f: 2.8076500164141072e-12 },
      { x0: [-1.2, 1, -1.2, 1, 0.5], iterations: 46, evaluations: 53, f: 3.876728328045223e-11 },
    ];
    for (const c of cases) {
      const result = minimizeLbfgs(rosenbrock, Float64Array.from(c.x0), { maxIterations: 15000, gtol: 1e-5 });
      assert.equal(result.status, 'function-tolerance');
      assert.equal(result.iterations, c.iterations, `iterations from ${c.x0}`);
      assert.equal(result.evaluations, c.evaluations, `evaluations from ${c.x0}`);
      assert.ok(Math.abs(result.f - c.f) < 1e-15, `f ${result.f} vs SciPy ${c.f}`);
      for (const v of result.x) assert.ok(Math.abs(v - 1) < 1e-5, `minimizer ${Array.from(result.x)} should be all ones`);
    }
  });

  it('minimizes a convex quadratic to its exact solution', () => {
    // f = 0.5 x'Ax - b'x with A = diag(1..6) + 0.1: the minimizer solves Ax = b.
    const n = 6;
    const A = new Float64Array(n * n).fill(0.1);
    for (let i = 0; i < n; i++) A[i * n + i] += i + 1;
    const b = Float64Array.from({ length: n }, (_, i) => i - 2);
    const quadratic: Objective = (x, g) => {
      let f = 0;
      for (let i = 0; i < n; i++) {
        let ax = 0;
        for (let j = 0; j < n; j++) ax += A[i * n + j] * x[j];
        g[i] = ax - b[i];
        f += 0.5 * x[i] * ax - b[i] * x[i];
      }
      return f;
    };
    const result = minimizeLbfgs(quadratic, new Float64Array(n), { maxIterations: 100, gtol: 1e-6, ftol: 0 });
    assert.equal(result.status, 'gradient-tolerance');
    assert.ok(result.converged, 'a gradient-tolerance stop is convergence');
    const g = new Float64Array(n);
    quadratic(result.x, g);
    for (let i = 0; i < n; i++) assert.ok(Math.abs(g[i]) <= 1e-6, `gradient ${Array.from(g)} should vanish`);
  });

  it('stops at maxIterations and says so', () => {
    const result = minimizeLbfgs(rosenbrock, Float64Array.of(-1.2, 1), { maxIterations: 5, gtol: 1e-5 });
    assert.equal(result.status, 'max-iterations');
    assert.equal(result.iterations, 5);
    assert.equal(result.converged, false);
  });

  it('returns x0 untouched when its gradient already meets gtol', () => {
    const x0 = Float64Array.of(1, 1);
    const result = minimizeLbfgs(rosenbrock, x0, { maxIterations: 100, gtol: 1e-5 });
    assert.equal(result.status, 'gradient-tolerance');
    assert.equal(result.iterations, 0);
    assert.equal(result.evaluations, 1);
    assert.deepEqual(Array.from(result.x), [1, 1]);
    assert.notEqual(result.x, x0, 'the input array is not reused');
  });
});

describe('MoreThuente', () => {
  it('finds a step meeting the strong Wolfe conditions', () => {
    // phi(t) = (t - 3)^2 + 0.1 t^4 along a descent direction from t = 0.
    const phi = (t: number) => (t - 3) ** 2 + 0.1 * t ** 4;
    const dphi = (t: number) => 2 * (t - 3) + 0.4 * t ** 3;
    const search = new MoreThuente();
    search.start(10, 1e-3, 0.1, 0.1, 0, 1e10);
    let task = search.iterate(phi(0), dphi(0));
    let evaluations = 0;
    while (task === 'evaluate' && evaluations < 30) {
      evaluations++;
      task = search.iterate(phi(search.step), dphi(search.step));
    }
    assert.equal(task, 'converged');
    const t = search.step;
    assert.ok(phi(t) <= phi(0) + 1e-3 * t * dphi(0), `sufficient decrease at ${t}`);
    assert.ok(Math.abs(dphi(t)) <= 0.1 * Math.abs(dphi(0)), `curvature condition at ${t}`);
  });

  it('refuses a direction that is not a descent direction', () => {
    const search = new MoreThuente();
    search.start(1, 1e-3, 0.9, 0.1, 0, 1e10);
    assert.equal(search.iterate(0, 1), 'error');
  });
});
