import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rejectsInvalidParameter } from '../../../test/support/assertions.js';
import { assertFoldsMatch, crossValidateReference, loadReference, referenceScores } from '../../../test/support/learn-reference.js';
import { assertClose, assertSameTree, treeCase } from '../../../test/support/tree-reference.js';
import { DecisionTreeClassifier, DecisionTreeRegressor } from './decision-tree.js';
import { fromRows, takeRows, type Matrix, type SerializedEstimator } from './estimator.js';
import { leafOf, TREE_LEAF, type FlatTree } from './tree/flat-tree.js';
import { TREE_PARAM_NAMES } from './tree/params.js';

function roundTrip(json: SerializedEstimator): SerializedEstimator {
  return JSON.parse(JSON.stringify(json)) as SerializedEstimator;
}

function depthOf(tree: FlatTree, node = 0): number {
  return tree.left[node] === TREE_LEAF ? 0 : 1 + Math.max(depthOf(tree, tree.left[node]), depthOf(tree, tree.right[node]));
}

function leafCount(tree: FlatTree): number {
  let leaves = 0;
  for (let i = 0; i < tree.nodeCount; i++) if (tree.left[i] === TREE_LEAF) leaves++;
  return leaves;
}

const iris = () => loadReference('iris');

describe('DecisionTreeClassifier against scikit-learn', () => {
  for (const dataset of ['iris', 'wine', 'breast-cancer']) {
    for (const variant of ['cart', 'cart-entropy']) {
      it(`${variant} on ${dataset}: each fold's accuracy within one test sample of scikit-learn's`, async () => {
        const scores = await crossValidateReference((params) => new DecisionTreeClassifier(params), dataset, variant);
        assertFoldsMatch(scores, dataset, variant);
      });
    }
  }

  for (const name of ['cart-iris', 'cart-wine-best-first', 'cart-breast-cancer-limits']) {
    it(`grows scikit-learn's tree node for node (${name})`, async () => {
      const reference = treeCase(name);
      const data = loadReference(reference.dataset);
      const model = new DecisionTreeClassifier(reference.params);
      await model.fit(data.X, data.y as Int32Array);
      assertSameTree(model.tree, reference.tree!, name);
      assertClose(model.featureImportances, reference.feature_importances, 1e-12, `${name} importances`);
      const head = takeRows(data.X, [0, 1, 2, 3, 4]);
      assert.deepEqual(Array.from(model.predict(head)), reference.predict, `${name}: predictions of the first rows`);
      assertClose(model.predictProba(head), reference.predict_proba!.flat(), 1e-12, `${name} probabilities`);
    });
  }

  it('treats log_loss as entropy, as scikit-learn does', async () => {
    const data = iris();
    const entropy = new DecisionTreeClassifier({ criterion: 'entropy' });
    const logLoss = new DecisionTreeClassifier({ criterion: 'log_loss' });
    await entropy.fit(data.X, data.y as Int32Array);
    await logLoss.fit(data.X, data.y as Int32Array);
    assert.deepEqual(logLoss.toJSON().state, entropy.toJSON().state);
  });
});

describe('DecisionTreeRegressor against scikit-learn', () => {
  it("cart (max_depth 5) on diabetes: each fold's R2 within 0.02 of scikit-learn's", async () => {
    const scores = await crossValidateReference((params) => new DecisionTreeRegressor(params), 'diabetes', 'cart');
    const expected = referenceScores('diabetes', 'cart');
    scores.forEach((r2, fold) => assert.ok(Math.abs(r2 - expected[fold]) <= 0.02, `diabetes fold ${fold}: R2 ${r2.toFixed(4)}, scikit-learn ${expected[fold].toFixed(4)}`));
  });

  it("grows scikit-learn's regression tree node for node, with its importances and predictions", async () => {
    const reference = treeCase('cart-diabetes');
    const data = loadReference('diabetes');
    const model = new DecisionTreeRegressor(reference.params);
    await model.fit(data.X, data.y as Float64Array);
    assertSameTree(model.tree, reference.tree!, 'cart-diabetes');
    assertClose(model.featureImportances, reference.feature_importances, 1e-12, 'cart-diabetes importances');
    assertClose(model.predict(takeRows(data.X, [0, 1, 2, 3, 4])), reference.predict, 1e-9, 'cart-diabetes predictions');
  });
});

describe('DecisionTreeClassifier', () => {
  it('predicts bit-identically after a JSON round trip', async () => {
    const data = iris();
    const model = new DecisionTreeClassifier({ max_depth: 3 });
    await model.fit(data.X, data.y as Int32Array);
    const restored = DecisionTreeClassifier.fromJSON(roundTrip(model.toJSON()));
    assert.deepEqual(restored.predictProba(data.X), model.predictProba(data.X));
    assert.deepEqual(restored.predict(data.X), model.predict(data.X));
    assert.deepEqual(restored.featureImportances, model.featureImportances);
    assert.equal(restored.nClasses, 3);
    assert.deepEqual(restored.params, model.params);
  });

  it('fills in scikit-learn defaults', () => {
    assert.deepEqual(new DecisionTreeClassifier().params, {
      criterion: 'gini',
      max_depth: null,
      min_samples_split: 2,
      min_samples_leaf: 1,
      min_weight_fraction_leaf: 0,
      min_impurity_decrease: 0,
      max_features: null,
      max_leaf_nodes: null,
      random_state: 0,
    });
  });

  it('gives probability rows that sum to 1, and pure leaves when grown fully', async () => {
    const data = loadReference('wine');
    const model = new DecisionTreeClassifier({ max_depth: 2 });
    await model.fit(data.X, data.y as Int32Array);
    const proba = model.predictProba(data.X);
    for (let i = 0; i < data.X.rows; i++) {
      const sum = proba[i * 3] + proba[i * 3 + 1] + proba[i * 3 + 2];
      assert.ok(Math.abs(sum - 1) < 1e-12, `row ${i} probabilities sum to ${sum}`);
    }
    const full = new DecisionTreeClassifier();
    await full.fit(data.X, data.y as Int32Array);
    assert.deepEqual(full.predict(data.X), data.y, 'a fully grown tree fits its training data');
  });

  it('respects max_depth, min_samples_leaf and max_leaf_nodes', async () => {
    const data = loadReference('breast-cancer');
    const shallow = new DecisionTreeClassifier({ max_depth: 3 });
    await shallow.fit(data.X, data.y as Int32Array);
    assert.equal(depthOf(shallow.tree), 3);

    const leafy = new DecisionTreeClassifier({ min_samples_leaf: 20 });
    await leafy.fit(data.X, data.y as Int32Array);
    const perLeaf = new Map<number, number>();
    for (let i = 0; i < data.X.rows; i++) perLeaf.set(leafOf(leafy.tree, data.X, i), (perLeaf.get(leafOf(leafy.tree, data.X, i)) ?? 0) + 1);
    for (const [leaf, count] of perLeaf) assert.ok(count >= 20, `leaf ${leaf} holds ${count} training samples, min_samples_leaf is 20`);

    const few = new DecisionTreeClassifier({ max_leaf_nodes: 5 });
    await few.fit(data.X, data.y as Int32Array);
    assert.equal(leafCount(few.tree), 5);
  });

  it('never splits on a constant feature', async () => {
    const data = iris();
    const withConstant = new Float64Array(data.X.rows * 5);
    for (let i = 0; i < data.X.rows; i++) {
      withConstant.set(data.X.data.subarray(i * 4, i * 4 + 4), i * 5);
      withConstant[i * 5 + 4] = 7;
    }
    const model = new DecisionTreeClassifier();
    await model.fit({ data: withConstant, rows: data.X.rows, cols: 5 }, data.y as Int32Array);
    assert.ok(!model.tree.feature.includes(4), 'the constant feature 4 is used by a split');
    assert.equal(model.featureImportances[4], 0);
  });

  it('fits a single class as scikit-learn does: one leaf predicting it', async () => {
    const X = fromRows([[1, 2], [3, 4], [5, 6]]);
    const model = new DecisionTreeClassifier();
    await model.fit(X, Int32Array.from([2, 2, 2]), { nClasses: 3 });
    assert.equal(model.tree.nodeCount, 1);
    assert.deepEqual(Array.from(model.predict(X)), [2, 2, 2]);
    assert.deepEqual(Array.from(model.predictProba(fromRows([[0, 0]]))), [0, 0, 1]);
    assert.deepEqual(Array.from(model.featureImportances), [0, 0]);
  });

  it('refuses bad hyper-parameters with a message naming them', () => {
    rejectsInvalidParameter(() => new DecisionTreeClassifier({ max_dept: 3 }), `cart has no hyper-parameter max_dept; it takes ${TREE_PARAM_NAMES.join(', ')}`);
    rejectsInvalidParameter(() => new DecisionTreeClassifier({ criterion: 'mse' }), 'criterion must be one of gini, entropy, log_loss, got "mse"');
    rejectsInvalidParameter(() => new DecisionTreeRegressor({ criterion: 'gini' }), 'criterion must be one of squared_error, got "gini"');
    rejectsInvalidParameter(() => new DecisionTreeClassifier({ max_depth: 0 }), 'max_depth must be null or a whole number >= 1, got 0');
    rejectsInvalidParameter(() => new DecisionTreeClassifier({ min_samples_split: 1.5 }), 'min_samples_split must be a whole number >= 2 or a fraction in (0, 1], got 1.5');
    rejectsInvalidParameter(() => new DecisionTreeClassifier({ min_samples_leaf: 0 }), 'min_samples_leaf must be a whole number >= 1 or a fraction in (0, 1), got 0');
    rejectsInvalidParameter(() => new DecisionTreeClassifier({ max_features: 'auto' }), 'max_features must be null, "sqrt", "log2", a whole number >= 2 or a fraction in (0, 1], got "auto"');
    rejectsInvalidParameter(() => new DecisionTreeClassifier({ max_leaf_nodes: 1 }), 'max_leaf_nodes must be null or a whole number >= 2, got 1');
    rejectsInvalidParameter(() => new DecisionTreeClassifier({ random_state: -1 }), 'random_state must be a whole number in [0, 2^32 - 1] (the seed), got -1');
    rejectsInvalidParameter(() => new DecisionTreeClassifier({ min_impurity_decrease: '0.1' }), 'min_impurity_decrease must be a number >= 0, got "0.1"');
  });

  it('refuses max_features above the feature count at fit', async () => {
    const data = iris();
    await assert.rejects(new DecisionTreeClassifier({ max_features: 5 }).fit(data.X, data.y as Int32Array), /max_features is 5 but X has only 4 features/);
  });

  it('refuses to predict before fit or with the wrong number of features', async () => {
    const data = iris();
    const model = new DecisionTreeClassifier();
    rejectsInvalidParameter(() => model.predict(data.X), 'cart is not fitted: call fit first');
    await model.fit(data.X, data.y as Int32Array);
    const threeFeatures: Matrix = fromRows([[1, 2, 3]]);
    rejectsInvalidParameter(() => model.predict(threeFeatures), 'cart was fitted on 4 features, X has 3');
    rejectsInvalidParameter(() => model.predictProba(threeFeatures), 'cart was fitted on 4 features, X has 3');
  });

  it('refuses a damaged or foreign serialized model', async () => {
    const data = iris();
    const model = new DecisionTreeClassifier({ max_depth: 2 });
    await model.fit(data.X, data.y as Int32Array);
    const json = roundTrip(model.toJSON());
    const tree = json.state.tree as { left: number[] };
    tree.left[0] = 0;
    rejectsInvalidParameter(() => DecisionTreeClassifier.fromJSON(json), 'node 0 of a serialized tree is neither a leaf nor a valid split over 4 features');
    const short = roundTrip(model.toJSON());
    (short.state.tree as { value: number[] }).value.pop();
    const leaves = leafCount(model.tree);
    rejectsInvalidParameter(() => DecisionTreeClassifier.fromJSON(short), `a serialized tree with ${leaves} leaves needs ${leaves * 3} leaf values, got ${leaves * 3 - 1}`);
    rejectsInvalidParameter(() => DecisionTreeRegressor.fromJSON(model.toJSON()), 'expected a serialized cart regression model, got kind "cart" task "classification"');
  });
});

describe('DecisionTreeRegressor', () => {
  it('predicts bit-identically after a JSON round trip', async () => {
    const data = loadReference('diabetes');
    const model = new DecisionTreeRegressor({ max_depth: 6 });
    await model.fit(data.X, data.y as Float64Array);
    const restored = DecisionTreeRegressor.fromJSON(roundTrip(model.toJSON()));
    assert.deepEqual(restored.predict(data.X), model.predict(data.X));
  });

  it('predicts the mean of a constant target and refuses the wrong feature count', async () => {
    const X = fromRows([[1], [2], [3], [4]]);
    const model = new DecisionTreeRegressor();
    await model.fit(X, Float64Array.from([5, 5, 5, 5]));
    assert.deepEqual(Array.from(model.predict(X)), [5, 5, 5, 5]);
    rejectsInvalidParameter(() => model.predict(fromRows([[1, 2]])), 'cart was fitted on 1 features, X has 2');
  });
});
