// ONNX export parity: the same inputs through libtorch and through ONNX Runtime agree to 1e-4 for
// every architecture, and the MLM metadata beside the file validates against the MLM schema.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { Ajv } from 'ajv';
import { StacValidator } from '../../data/stac/validate.js';
import { maxAbsDiff, noise, volume } from '../../../test/support/tensors.js';
import { loadTorch } from '../engine/torch.js';
import { buildModelSpec, type ArchitectureOptions } from '../models/index.js';
import { OnnxSession } from '../runtime/session.js';
import { writeOnnx } from './export.js';
import { mlmItem } from './mlm.js';

const torch = loadTorch();
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tileflow-onnx-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));
const STAC = path.resolve(import.meta.dirname, '../../../../shared/fixtures/stac');

const CASES: [string, ArchitectureOptions][] = [
  ['eurosat-cnn', { arch: 'eurosat-cnn', channels: 13, classes: 10, size: 32 }],
  ['resnet18', { arch: 'resnet18', channels: 4, classes: 6, size: 32 }],
  ['unet', { arch: 'unet', channels: 3, classes: 4, size: 32, depth: 3, base: 8 }],
  ['lstm', { arch: 'lstm', channels: 5, classes: 3, timesteps: 9, hidden: 12, layers: 2 }],
];

for (const [name, options] of CASES) {
  test(`${name}: libtorch and ONNX Runtime agree within 1e-4`, async () => {
    torch.manualSeed(3);
    const spec = buildModelSpec(options);
    const model = new torch.Model(spec.nodes);
    model.configure({ optimizer: 'adam', lr: 1e-2 });
    const shape = [5, ...spec.inputShape];
    const x = noise(volume(shape), 17);
    const yShape = spec.task === 'segmentation' ? [5, spec.inputShape[1], spec.inputShape[2]] : [5];
    const y = new Int32Array(volume(yShape)).map((_, i) => i % spec.classes);
    // A few steps so batch-norm statistics and weights are no longer their initial values.
    for (let i = 0; i < 3; i++) await model.trainStep(x, shape, y, yShape);
    const file = path.join(dir, `${name}.onnx`);
    await writeOnnx(file, spec, model.state(), { producerVersion: 'test' });
    const expected = await model.predict(x, shape);
    const session = await OnnxSession.open(file, { threads: 1, batchSize: 2 });
    const actual = await session.run(x, shape);
    await session.close();
    assert.deepEqual(actual.shape, expected.shape);
    const diff = maxAbsDiff(actual.data, expected.data);
    assert.ok(diff < 1e-4, `${name}: largest absolute difference ${diff}`);
  });
}

test('the MLM item describes inputs, normalization and classes, and validates against MLM v1.5.2', async () => {
  const spec = buildModelSpec({ arch: 'eurosat-cnn', channels: 3, classes: 2, size: 64 });
  const item = mlmItem({
    id: 'eurosat-cnn-v1',
    spec,
    bands: ['red', 'green', 'blue'],
    normalization: { mean: [87.5, 96.1, 103.4], std: [51.2, 34.9, 29.3] },
    classes: [
      { index: 0, name: 'Forest', color: '#2ca02c' },
      { index: 1, name: 'River', color: '#1f77b4' },
    ],
    modelHref: './model.onnx',
    totalParameters: 1234,
    frameworkVersion: torch.version,
    created: new Date('2026-11-22T00:00:00Z'),
  });
  const props = item.properties as Record<string, any>;
  assert.deepEqual(props['mlm:input'][0].input.shape, [-1, 3, 64, 64]);
  assert.deepEqual(props['mlm:input'][0].value_scaling[1], { type: 'z-score', mean: 96.1, stddev: 34.9 });
  assert.deepEqual(props['mlm:output'][0]['classification:classes'][0], { value: 0, name: 'Forest', color_hint: [44, 160, 44] });
  // The core item schema, for real.
  const core = new StacValidator({ offline: true, extensions: false, cacheDir: dir, schemaMap: { 'https://schemas.stacspec.org/v1.0.0/': path.join(STAC, 'schemas/v1.0.0') } });
  const coreResult = await core.validate(item);
  assert.deepEqual(coreResult.errors, []);
  // The MLM schema, for real; the four fragments it borrows from other extensions cannot be fetched
  // here (no network), so they stand in as the definitions those fragments hold.
  const ajv = new Ajv({ strict: false, allErrors: true });
  const classes = { type: 'array', items: { type: 'object', required: ['value', 'name'] } };
  const borrowed: [string, object][] = [
    ['https://stac-extensions.github.io/raster/v1.1.0/schema.json', { definitions: { bands: { items: { properties: { data_type: { enum: ['int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64', 'float16', 'float32', 'float64', 'cint16', 'cint32', 'cfloat32', 'cfloat64', 'other'] } } } } } }],
    ['https://stac-extensions.github.io/classification/v1.1.0/schema.json', { definitions: { fields: { properties: { 'classification:classes': classes } } } }],
    ['https://stac-extensions.github.io/processing/v1.1.0/schema.json', { definitions: { fields: { properties: { 'processing:expression': { type: 'object' } } } } }],
  ];
  for (const [id, schema] of borrowed) ajv.addSchema({ $id: id, ...schema });
  const validate = ajv.compile(JSON.parse(fs.readFileSync(path.join(STAC, 'mlm/json-schema/schema.json'), 'utf8')));
  assert.ok(validate(item), `MLM item invalid: ${JSON.stringify(validate.errors?.slice(0, 5), null, 1)}`);
  // And the check can fail: an input without its shape is refused.
  const broken = structuredClone(item) as any;
  delete broken.properties['mlm:input'][0].input.shape;
  assert.equal(validate(broken), false);
});

test('a file that is not an ONNX model is refused with a clear error', async () => {
  const file = path.join(dir, 'broken.onnx');
  fs.writeFileSync(file, 'not a model');
  await assert.rejects(OnnxSession.open(file), { code: 'INVALID_PARAMETER_VALUE', message: /cannot load the ONNX model .*broken\.onnx/ });
  const spec = buildModelSpec({ arch: 'eurosat-cnn', channels: 3, classes: 2, size: 16 });
  const model = new torch.Model(spec.nodes);
  const good = path.join(dir, 'good.onnx');
  await writeOnnx(good, spec, model.state());
  const session = await OnnxSession.open(good);
  await assert.rejects(session.run(noise(2 * 4 * 16 * 16, 1), [2, 4, 16, 16]), { code: 'INVALID_PARAMETER_VALUE', message: /rejected input of shape/ });
  await session.close();
});
