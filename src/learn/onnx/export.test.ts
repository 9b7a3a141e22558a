// exportOnnx: every estimator kind exports a model that ONNX Runtime opens with the declared input and
// outputs (names, element types, shapes), metadata carries the feature names, and what cannot be
// exported (an unfitted estimator, an unknown kind, mismatched names) is refused with a clear error.
// Prediction parity per family is in linear, trees, svm, naive-bayes and knn .test.ts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as ort from 'onnxruntime-node';
import protobuf from 'protobufjs';
import { createEstimator, ESTIMATOR_KINDS, kindsFor, loadEstimator } from '../classical/index.js';
import { takeRows, take, type Estimator, type Params } from '../classical/estimator.js';
import { loadReference } from '../../../test/support/learn-reference.js';
import { exportOnnx, ONNX_EXPORT_KINDS } from './export.js';

/** Small, quick settings per kind (the exported structure does not depend on model size). */
const QUICK: Record<string, Params> = { rf: { n_estimators: 5 }, gbt: { max_iter: 5 }, lr: { max_iter: 500 } };

/** An estimator of `kind` fitted on every 3rd row of iris (classification) or diabetes (regression). */
async function fitted(kind: string, task: 'classification' | 'regression', params: Params = {}): Promise<Estimator> {
  const ds = loadReference(task === 'classification' ? 'iris' : 'diabetes');
  const rows = Array.from({ length: Math.floor(ds.X.rows / 3) }, (_, i) => i * 3);
  const estimator = createEstimator(kind, task, { ...QUICK[kind], ...params });
  if (estimator.task === 'classification') await estimator.fit(takeRows(ds.X, rows), take(ds.y as Int32Array, rows), { nClasses: 3 });
  else await estimator.fit(takeRows(ds.X, rows), take(ds.y as Float64Array, rows));
  return estimator;
}

/** The model's metadata_props (ModelProto field 14: StringStringEntryProto key 1, value 2). */
function metadataOf(bytes: Uint8Array): Record<string, string> {
  const reader = protobuf.Reader.create(bytes);
  const out: Record<string, string> = {};
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    if (tag >>> 3 !== 14) {
      reader.skipType(tag & 7);
      continue;
    }
    const entry = protobuf.Reader.create(reader.bytes());
    let key = '';
    let value = '';
    while (entry.pos < entry.len) {
      const t = entry.uint32();
      if (t >>> 3 === 1) key = entry.string();
      else if (t >>> 3 === 2) value = entry.string();
      else entry.skipType(t & 7);
    }
    out[key] = value;
  }
  return out;
}

test('every registered kind can be exported', () => {
  assert.deepEqual([...ONNX_EXPORT_KINDS].sort(), [...ESTIMATOR_KINDS].sort());
});

const SHAPES: [string, 'classification' | 'regression', Params][] = [
  ...kindsFor('classification').map((kind): [string, 'classification', Params] => [kind, 'classification', kind === 'svm' ? { probability: true } : {}]),
  ...kindsFor('regression').map((kind): [string, 'regression', Params] => [kind, 'regression', {}]),
  ['svm', 'classification', {}],
];

for (const [kind, task, params] of SHAPES) {
  test(`${kind} ${task}${params.probability === undefined && kind === 'svm' ? ' without probability' : ''}: ONNX Runtime opens the model with the declared input and outputs`, async () => {
    const estimator = await fitted(kind, task, params);
    const session = await ort.InferenceSession.create(exportOnnx(estimator));
    try {
      assert.deepEqual(
        session.inputMetadata.map((m) => (m.isTensor ? { name: m.name, type: m.type, shape: m.shape } : m.name)),
        [{ name: 'X', type: 'float32', shape: ['N', 4 + (task === 'regression' ? 6 : 0)] }],
      );
      const outputs = session.outputMetadata.map((m) => (m.isTensor ? { name: m.name, type: m.type, shape: m.shape } : m.name));
      let expected: unknown[];
      if (task === 'regression') expected = [{ name: 'variable', type: 'float32', shape: ['N', 1] }];
      else if (kind === 'svm' && !params.probability) expected = [{ name: 'label', type: 'int64', shape: ['N'] }, { name: 'scores', type: 'float32', shape: ['N', 3] }];
      else expected = [{ name: 'label', type: 'int64', shape: ['N'] }, { name: 'probabilities', type: 'float32', shape: ['N', 3] }];
      assert.deepEqual(outputs, expected);
      // The declared shapes hold at run time, for a batch of 2.
      const result = await session.run({ X: new ort.Tensor('float32', new Float32Array(2 * (task === 'regression' ? 10 : 4)).fill(0.5), [2, task === 'regression' ? 10 : 4]) });
      for (const output of expected as { name: string; shape: (string | number)[] }[]) {
        assert.deepEqual(result[output.name].dims, output.shape.map((d) => (d === 'N' ? 2 : d)), `${output.name} dims`);
      }
    } finally {
      await session.release();
    }
  });
}

test('feature names and class labels are stored in the model metadata', async () => {
  const estimator = await fitted('nb', 'classification');
  const featureNames = ['sepal length', 'sepal width', 'petal length', 'petal width'];
  const classLabels = ['setosa', 'versicolor', 'virginica'];
  const metadata = metadataOf(exportOnnx(estimator, { featureNames, classLabels }));
  assert.deepEqual(JSON.parse(metadata.feature_names), featureNames);
  assert.deepEqual(JSON.parse(metadata.class_labels), classLabels);
  assert.equal(metadata['tileflow.kind'], 'nb');
  assert.equal(metadata['tileflow.task'], 'classification');
  assert.equal(metadata['tileflow.n_classes'], '3');
  assert.equal(metadataOf(exportOnnx(estimator)).feature_names, undefined, 'no names, no entry');
});

test('names that do not fit the model are refused', async () => {
  const classifier = await fitted('lda', 'classification');
  assert.throws(() => exportOnnx(classifier, { featureNames: ['a', 'b'] }), { code: 'INVALID_PARAMETER_VALUE', message: /featureNames has 2 names but the lda model was fitted on 4 features/ });
  assert.throws(() => exportOnnx(classifier, { classLabels: ['a'] }), { code: 'INVALID_PARAMETER_VALUE', message: /classLabels has 1 labels but the lda model has 3 classes/ });
  const regressor = await fitted('cart', 'regression');
  assert.throws(() => exportOnnx(regressor, { classLabels: ['a'] }), { code: 'INVALID_PARAMETER_VALUE', message: /classLabels only apply to a classifier/ });
});

test('an unfitted estimator is refused, naming the kind', () => {
  for (const kind of ESTIMATOR_KINDS) {
    for (const task of ['classification', 'regression'] as const) {
      if (!kindsFor(task).includes(kind)) continue;
      assert.throws(() => exportOnnx(createEstimator(kind, task)), { code: 'INVALID_PARAMETER_VALUE', message: new RegExp(`cannot export ${kind} to ONNX: it is not fitted`) }, `${kind} ${task}`);
    }
  }
});

test('an unknown kind is refused, listing the exportable kinds', () => {
  const alien = {
    kind: 'xgb',
    task: 'classification',
    params: {},
    nClasses: 2,
    fit: async () => {},
    predict: () => new Int32Array(0),
    toJSON: () => ({ kind: 'xgb', task: 'classification' as const, params: {}, state: { nFeatures: 3 } }),
  } as unknown as Estimator;
  assert.throws(() => exportOnnx(alien), { code: 'INVALID_PARAMETER_VALUE', message: /cannot export a "xgb" model to ONNX; exportable kinds: lr, lda, knn, cart, nb, svm, rf, gbt/ });
});

test('a model restored from JSON exports the same bytes', async () => {
  for (const kind of ['lr', 'rf', 'svm']) {
    const estimator = await fitted(kind, 'classification', kind === 'svm' ? { probability: true } : {});
    const restored = loadEstimator(JSON.parse(JSON.stringify(estimator.toJSON())));
    assert.deepEqual(exportOnnx(restored), exportOnnx(estimator), kind);
  }
});
