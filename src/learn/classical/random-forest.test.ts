import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rejectsInvalidParameter } from '../../../test/support/assertions.js';
import { assertFoldsMatch, crossValidateReference, loadReference, referenceScores } from '../../../test/support/learn-reference.js';
import { assertClose, assertSameTree, treeCase } from '../../../test/support/tree-reference.js';
import { fromRows, takeRows, type SerializedEstimator } from './estimator.js';
import { FOREST_PARAM_NAMES, RandomForestClassifier, RandomForestRegressor } from './random-forest.js';

const mean = (values: readonly number[]) => values.reduce((a, b) => a + b, 0) / values.length;

function roundTrip(json: SerializedEstimator): SerializedEstimator {
  return JSON.parse(JSON.stringify(json)) as SerializedEstimator;
}

describe('RandomForestClassifier against scikit-learn', () => {
  for (const dataset of ['iris', 'wine', 'breast-cancer']) {
    it(`rf on ${dataset}: mean accuracy over the folds within 0.02 of scikit-learn's`, async () => {
      const scores = await crossValidateReference((params) => new RandomForestClassifier(params), dataset, 'rf');
      const expected = referenceScores(dataset, 'rf');
      assert.ok(Math.abs(mean(scores) - mean(expected)) <= 0.02, `${dataset}: mean accuracy ${mean(scores).toFixed(4)}, scikit-learn ${mean(expected).toFixed(4)}`);
      // Every feature of iris and wine has at most 255 distinct values, so binning loses nothing and
      // the forest is scikit-learn's own: same seeds, bootstraps, feature orders and thresholds.
      if (dataset !== 'breast-cancer') assertFoldsMatch(scores, dataset, 'rf', 0);
    });
  }

  it('with exact splits (max_bins null) on breast-cancer, each fold matches scikit-learn within one sample', async () => {
    const scores = await crossValidateReference((params) => new RandomForestClassifier({ ...params, max_bins: null }), 'breast-cancer', 'rf');
    assertFoldsMatch(scores, 'breast-cancer', 'rf');
  });

  for (const name of ['rf-breast-cancer', 'rf-wine-no-bootstrap']) {
    it(`grows scikit-learn's forest with exact splits (${name}): trees, importances, out-of-bag score, probabilities`, async () => {
      const reference = treeCase(name);
      const data = loadReference(reference.dataset);
      const model = new RandomForestClassifier({ ...reference.params, max_bins: null });
      await model.fit(data.X, data.y as Int32Array);
      assert.deepEqual(
        model.trees.map((tree) => tree.nodeCount),
        reference.node_counts,
        `${name}: nodes per tree`,
      );
      assertSameTree(model.trees[0], reference.first_tree!, `${name} tree 0`);
      assertClose(model.featureImportances, reference.feature_importances, 1e-12, `${name} importances`);
      if (reference.oob_score !== undefined) assert.ok(Math.abs((model.oobScore ?? NaN) - reference.oob_score) <= 1e-12, `${name}: oob score ${model.oobScore}, scikit-learn ${reference.oob_score}`);
      assertClose(model.predictProba(takeRows(data.X, [0, 1, 2, 3, 4])), reference.predict_proba!.flat(), 1e-12, `${name} probabilities`);
    });
  }
});

describe('RandomForestRegressor against scikit-learn', () => {
  it("rf on diabetes: mean R2 over the folds within 0.03 of scikit-learn's", async () => {
    const scores = await crossValidateReference((params) => new RandomForestRegressor(params), 'diabetes', 'rf');
    const expected = referenceScores('diabetes', 'rf');
    assert.ok(Math.abs(mean(scores) - mean(expected)) <= 0.03, `diabetes: mean R2 ${mean(scores).toFixed(4)}, scikit-learn ${mean(expected).toFixed(4)}`);
  });

  it("grows scikit-learn's forest with exact splits (rf-diabetes, max_samples 0.5): trees, importances, out-of-bag R2, predictions", async () => {
    const reference = treeCase('rf-diabetes');
    const data = loadReference('diabetes');
    const model = new RandomForestRegressor({ ...reference.params, max_bins: null });
    await model.fit(data.X, data.y as Float64Array);
    assert.deepEqual(
      model.trees.map((tree) => tree.nodeCount),
      reference.node_counts,
      'rf-diabetes: nodes per tree',
    );
    assertSameTree(model.trees[0], reference.first_tree!, 'rf-diabetes tree 0');
    assertClose(model.featureImportances, reference.feature_importances, 1e-12, 'rf-diabetes importances');
    assert.ok(Math.abs((model.oobScore ?? NaN) - reference.oob_score!) <= 1e-12, `rf-diabetes: oob R2 ${model.oobScore}, scikit-learn ${reference.oob_score}`);
    assertClose(model.predict(takeRows(data.X, [0, 1, 2, 3, 4])), reference.predict, 1e-9, 'rf-diabetes predictions');
  });
});

describe('RandomForestClassifier', () => {
  it('grows the same forest on two worker threads as on one (a seed per tree, not per worker)', async () => {
    const data = loadReference('breast-cancer');
    const one = new RandomForestClassifier({ n_estimators: 12, oob_score: true });
    const two = new RandomForestClassifier({ n_estimators: 12, oob_score: true, n_jobs: 2 });
    await one.fit(data.X, data.y as Int32Array);
    await two.fit(data.X, data.y as Int32Array);
    assert.deepEqual(two.toJSON().state, one.toJSON().state);

    const diabetes = loadReference('diabetes');
    const exactOne = new RandomForestRegressor({ n_estimators: 6, max_bins: null });
    const exactTwo = new RandomForestRegressor({ n_estimators: 6, max_bins: null, n_jobs: 2 });
    await exactOne.fit(diabetes.X, diabetes.y as Float64Array);
    await exactTwo.fit(diabetes.X, diabetes.y as Float64Array);
    assert.deepEqual(exactTwo.toJSON().state, exactOne.toJSON().state);
  });

  it('predicts bit-identically after a JSON round trip', async () => {
    const data = loadReference('wine');
    const model = new RandomForestClassifier({ n_estimators: 10, oob_score: true });
    await model.fit(data.X, data.y as Int32Array);
    const restored = RandomForestClassifier.fromJSON(roundTrip(model.toJSON()));
    assert.deepEqual(restored.predictProba(data.X), model.predictProba(data.X));
    assert.deepEqual(restored.predict(data.X), model.predict(data.X));
    assert.equal(restored.oobScore, model.oobScore);
    assert.deepEqual(restored.featureImportances, model.featureImportances);
    assert.deepEqual(restored.params, model.params);
  });

  it("fills in scikit-learn's defaults, with max_bins 255 for histogram splits", () => {
    const params = new RandomForestClassifier().params;
    assert.equal(params.n_estimators, 100);
    assert.equal(params.max_features, 'sqrt');
    assert.equal(params.bootstrap, true);
    assert.equal(params.max_samples, null);
    assert.equal(params.n_jobs, null);
    assert.equal(params.max_bins, 255);
    assert.equal(params.random_state, 0);
    assert.equal(new RandomForestRegressor().params.max_features, 1);
  });

  it('averages probabilities into rows that sum to 1, and importances that sum to 1', async () => {
    const data = loadReference('iris');
    const model = new RandomForestClassifier({ n_estimators: 15, max_depth: 2 });
    await model.fit(data.X, data.y as Int32Array);
    const proba = model.predictProba(data.X);
    for (let i = 0; i < data.X.rows; i++) {
      const sum = proba[i * 3] + proba[i * 3 + 1] + proba[i * 3 + 2];
      assert.ok(Math.abs(sum - 1) < 1e-12, `row ${i} probabilities sum to ${sum}`);
    }
    const total = model.featureImportances.reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(total - 1) < 1e-12, `importances sum to ${total}`);
  });

  it('fits a single class as scikit-learn does: every tree one leaf, zero importances', async () => {
    const X = fromRows([[1, 2], [3, 4], [5, 6], [7, 8]]);
    const model = new RandomForestClassifier({ n_estimators: 5 });
    await model.fit(X, Int32Array.from([1, 1, 1, 1]), { nClasses: 2 });
    assert.deepEqual(Array.from(model.predict(X)), [1, 1, 1, 1]);
    assert.deepEqual(Array.from(model.predictProba(fromRows([[0, 0]]))), [0, 1]);
    assert.deepEqual(Array.from(model.featureImportances), [0, 0]);
  });

  it('refuses bad hyper-parameters with a message naming them', () => {
    rejectsInvalidParameter(() => new RandomForestClassifier({ n_trees: 10 }), `rf has no hyper-parameter n_trees; it takes ${FOREST_PARAM_NAMES.join(', ')}`);
    rejectsInvalidParameter(() => new RandomForestClassifier({ n_estimators: 0 }), 'n_estimators must be a whole number >= 1, got 0');
    rejectsInvalidParameter(() => new RandomForestClassifier({ bootstrap: 'yes' }), 'bootstrap must be true or false, got "yes"');
    rejectsInvalidParameter(() => new RandomForestClassifier({ n_jobs: 0 }), 'n_jobs must be null (one thread), a positive thread count, or -1 for every core (-2 all but one...), got 0');
    rejectsInvalidParameter(() => new RandomForestClassifier({ max_bins: 256 }), 'max_bins must be null (exact splits) or a whole number from 2 to 255, got 256');
    rejectsInvalidParameter(() => new RandomForestClassifier({ max_samples: 1.5 }), 'max_samples must be null, a whole number >= 2 or a fraction in (0, 1], got 1.5');
    rejectsInvalidParameter(() => new RandomForestClassifier({ bootstrap: false, oob_score: true }), 'oob_score needs bootstrap=true: without bootstrap no sample is out of bag');
    rejectsInvalidParameter(() => new RandomForestClassifier({ bootstrap: false, max_samples: 0.5 }), 'max_samples needs bootstrap=true: without bootstrap every tree sees every sample');
    rejectsInvalidParameter(() => new RandomForestRegressor({ criterion: 'entropy' }), 'criterion must be one of squared_error, got "entropy"');
  });

  it('refuses to predict before fit or with the wrong number of features', async () => {
    const data = loadReference('iris');
    const model = new RandomForestClassifier({ n_estimators: 3 });
    rejectsInvalidParameter(() => model.predict(data.X), 'rf is not fitted: call fit first');
    await model.fit(data.X, data.y as Int32Array);
    rejectsInvalidParameter(() => model.predict(fromRows([[1, 2]])), 'rf was fitted on 4 features, X has 2');
    rejectsInvalidParameter(() => model.predictProba(fromRows([[1, 2]])), 'rf was fitted on 4 features, X has 2');
  });
});

describe('RandomForestRegressor', () => {
  it('predicts bit-identically after a JSON round trip, and refuses the wrong feature count', async () => {
    const data = loadReference('diabetes');
    const model = new RandomForestRegressor({ n_estimators: 8 });
    await model.fit(data.X, data.y as Float64Array);
    const restored = RandomForestRegressor.fromJSON(roundTrip(model.toJSON()));
    assert.deepEqual(restored.predict(data.X), model.predict(data.X));
    rejectsInvalidParameter(() => restored.predict(fromRows([[1, 2]])), 'rf was fitted on 10 features, X has 2');
    rejectsInvalidParameter(() => RandomForestClassifier.fromJSON(model.toJSON()), 'expected a serialized rf classification model, got kind "rf" task "regression"');
  });
});
