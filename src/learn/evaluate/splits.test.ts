import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { groupKFold, kFold, leaveOneGroupOut, leaveOneOut, makeFolds, spatialBlockKFold, stratifiedKFold, type Fold } from './splits.js';

// scikit-learn's unshuffled folds on fixed labels and groups (test/fixtures/learn/make-evaluate-reference.py).
const reference = JSON.parse(readFileSync(new URL('../../../test/fixtures/learn/evaluate-reference.json', import.meta.url), 'utf8')).folds;

const tests = (folds: Fold[]) => folds.map((f) => Array.from(f.test));

/** Every sample is tested exactly once, and never trained on in the same fold. */
function assertPartition(folds: Fold[], n: number): void {
  const seen = new Array<number>(n).fill(0);
  for (const fold of folds) {
    for (const i of fold.test) seen[i]++;
    assert.equal(fold.train.length + fold.test.length, n, 'train and test together cover the samples');
    const test = new Set(fold.test);
    assert.ok(!Array.from(fold.train).some((i) => test.has(i)), 'no sample on both sides');
  }
  assert.ok(seen.every((c) => c === 1), `each sample tested once: ${seen}`);
}

describe("the same folds as scikit-learn's", () => {
  test('KFold', () => assert.deepEqual(tests(kFold(reference.y.length, 5)), reference.kfold));
  test('StratifiedKFold', () => assert.deepEqual(tests(stratifiedKFold(reference.y, 4)), reference.stratified));
  test('GroupKFold', () => assert.deepEqual(tests(groupKFold(reference.groups, 3)), reference.group));
  test('LeaveOneGroupOut', () => assert.deepEqual(tests(leaveOneGroupOut(reference.groups)), reference.logo));
});

test('shuffled schemes partition the samples, reproducibly for a seed', () => {
  const y = reference.y;
  const a = stratifiedKFold(y, 4, { shuffle: true, seed: 7 });
  assertPartition(a, y.length);
  assert.deepEqual(tests(a), tests(stratifiedKFold(y, 4, { shuffle: true, seed: 7 })));
  assert.notDeepEqual(tests(a), reference.stratified, 'shuffling changes the folds');
  // Stratification holds after shuffling: each fold has 1 or 2 of the 4 class-2 samples' share.
  for (const fold of a) assert.ok(Array.from(fold.test).filter((i) => y[i] === 2).length <= 1, 'class 2 spread across folds');
  const repeated = makeFolds({ kind: 'repeated', folds: 5, repeats: 3, seed: 1 }, 23);
  assert.equal(repeated.length, 15);
  for (let r = 0; r < 3; r++) assertPartition(repeated.slice(r * 5, r * 5 + 5), 23);
  assertPartition(leaveOneOut(6), 6);
});

test('spatial blocks keep each block whole and folds balanced', () => {
  // A 10 x 10 grid of points 1 m apart, blocks of 5 m: four blocks of 25 points, two folds.
  const x = Array.from({ length: 100 }, (_, i) => i % 10);
  const y = Array.from({ length: 100 }, (_, i) => Math.floor(i / 10));
  const folds = spatialBlockKFold({ x, y }, 2, 5, 3);
  assertPartition(folds, 100);
  for (const fold of folds) {
    assert.equal(fold.test.length, 50, 'two blocks per fold');
    const blocks = new Set(Array.from(fold.test, (i) => `${Math.floor(x[i] / 5)}:${Math.floor(y[i] / 5)}`));
    assert.equal(blocks.size, 2);
    for (const i of fold.train) assert.ok(!blocks.has(`${Math.floor(x[i] / 5)}:${Math.floor(y[i] / 5)}`), 'a block never straddles train and test');
  }
});

test('impossible schemes are refused with the reason', () => {
  assert.throws(() => kFold(3, 5), { code: 'INVALID_PARAMETER_VALUE', message: /more folds than samples/ });
  assert.throws(() => kFold(10, 1), { message: /at least 2 folds/ });
  assert.throws(() => stratifiedKFold([1, 1, 1, 1], 2), { message: /at least two classes/ });
  assert.throws(() => stratifiedKFold([0, 0, 1, 1, 2], 3), { message: /fewer than 3 samples/ });
  assert.throws(() => groupKFold(['a', 'a', 'b'], 3), { message: /2 groups into 3 folds/ });
  assert.throws(() => spatialBlockKFold({ x: [0, 1, 2], y: [0, 0, 0] }, 2, 100), { message: /fall in 1 blocks/ });
  assert.throws(() => makeFolds({ kind: 'group', folds: 2 }, 4), { message: /needs a group id per sample/ });
  assert.throws(() => makeFolds({ kind: 'stratified', folds: 2 }, 4, { y: [0, 1] }), { message: /2 entries for 4 samples/ });
});
