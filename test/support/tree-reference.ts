// scikit-learn's trees and forests fitted on whole reference datasets (test/fixtures/learn/tree-reference.json,
// made by make-tree-reference.py): node arrays, importances, out-of-bag scores and first-row predictions
// that tileflow's CART and random forest must reproduce, since they draw scikit-learn's random streams.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { Params } from '../../src/learn/classical/estimator.js';
import type { FlatTree } from '../../src/learn/classical/tree/flat-tree.js';
import { LEARN_FIXTURES } from './learn-reference.js';

/** A fitted scikit-learn tree's node arrays. */
export interface SklearnTree {
  node_count: number;
  feature: number[];
  threshold: number[];
  children_left: number[];
  children_right: number[];
}

/** One reference case: a dataset, hyper-parameters, and what scikit-learn fitted. */
export interface TreeCase {
  dataset: string;
  kind: 'cart' | 'rf';
  params: Params;
  feature_importances: number[];
  predict: number[];
  predict_proba?: number[][];
  tree?: SklearnTree;
  first_tree?: SklearnTree;
  node_counts?: number[];
  oob_score?: number;
}

let cases: Record<string, TreeCase> | undefined;

/** A case of tree-reference.json by name. */
export function treeCase(name: string): TreeCase {
  cases ??= (JSON.parse(fs.readFileSync(path.join(LEARN_FIXTURES, 'tree-reference.json'), 'utf8')) as { cases: Record<string, TreeCase> }).cases;
  const found = cases[name];
  if (!found) throw new Error(`tree-reference.json has no case ${name}`);
  return found;
}

/** Asserts that a tileflow tree has scikit-learn's nodes: same features, thresholds and children, node for node. */
export function assertSameTree(actual: FlatTree, expected: SklearnTree, label: string): void {
  assert.equal(actual.nodeCount, expected.node_count, `${label}: ${actual.nodeCount} nodes, scikit-learn has ${expected.node_count}`);
  for (let i = 0; i < expected.node_count; i++) {
    const same =
      actual.feature[i] === expected.feature[i] &&
      actual.left[i] === expected.children_left[i] &&
      actual.right[i] === expected.children_right[i] &&
      Math.abs(actual.threshold[i] - expected.threshold[i]) <= 1e-12 * Math.max(1, Math.abs(expected.threshold[i]));
    assert.ok(
      same,
      `${label}: node ${i} is (feature ${actual.feature[i]}, threshold ${actual.threshold[i]}, children ${actual.left[i]}/${actual.right[i]}), scikit-learn's is (feature ${expected.feature[i]}, threshold ${expected.threshold[i]}, children ${expected.children_left[i]}/${expected.children_right[i]})`,
    );
  }
}

/** Asserts two numeric sequences agree within `tolerance` each. */
export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance: number, label: string): void {
  assert.equal(actual.length, expected.length, `${label}: ${actual.length} values, expected ${expected.length}`);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(actual[i] - expected[i]) <= tolerance, `${label}[${i}]: ${actual[i]}, expected ${expected[i]} (tolerance ${tolerance})`);
  }
}
