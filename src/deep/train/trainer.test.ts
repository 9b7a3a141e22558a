// The training loop on the EuroSAT RGB sample: early stopping after `patience` epochs without
// improvement, Keras-style learning-rate decay per step, and refusing to resume another model's checkpoint.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { openDataset, type ChipDataset } from '../../data/datasets/dataset.js';
import { importFolder } from '../../data/datasets/import-folder.js';
import { buildModelSpec } from '../models/index.js';
import { DEFAULT_HYPERPARAMETERS, train } from './trainer.js';

const EUROSAT = path.resolve(import.meta.dirname, '../../../../shared/fixtures/eurosat/eotdl/EuroSAT-RGB-small');
let tmp: string;
let dataset: ChipDataset;

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tileflow-trainer-'));
  // 32 x 32 chips keep the test quick; the split is stratified: 60 train, 20 val, 20 test.
  await importFolder(EUROSAT, path.join(tmp, 'eurosat'), { size: 32, split: { method: 'stratified', val: 0.2, test: 0.2, seed: 1 } });
  dataset = await openDataset(path.join(tmp, 'eurosat'));
});
after(async () => {
  await dataset.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const spec = () => buildModelSpec({ arch: 'eurosat-cnn', channels: 3, classes: 10, size: 32 });

test('early stopping ends training after `patience` epochs without improvement', async () => {
  const result = await train({
    dataset,
    spec: spec(),
    hyper: { ...DEFAULT_HYPERPARAMETERS, batchSize: 16, epochs: 10 },
    normalize: 'statistics',
    // No change of validation accuracy can exceed 1, so only the first epoch ever counts as an improvement.
    earlyStopping: { monitor: 'val_accuracy', patience: 2, minDelta: 1, restoreBest: true },
    checkpointDir: path.join(tmp, 'early'),
    threads: 2,
  });
  assert.equal(result.history.length, 3);
  assert.equal(result.stoppedEarly, true);
  assert.equal(result.bestEpoch, 1, 'the best (first) epoch\'s weights are restored');
  for (const f of ['last.pt', 'last.optimizer.pt', 'best.pt', 'progress.json']) assert.ok(fs.existsSync(path.join(tmp, 'early', f)), f);
  const record = result.history[0];
  for (const key of ['loss', 'accuracy', 'val_loss', 'val_accuracy', 'val_precision', 'val_recall', 'val_f1'] as const) {
    assert.ok(Number.isFinite(record[key]), `${key} = ${record[key]}`);
  }
});

test('decay lowers the learning rate per step as lr / (1 + decay * iteration)', async () => {
  const result = await train({
    dataset,
    spec: spec(),
    hyper: { ...DEFAULT_HYPERPARAMETERS, batchSize: 16, epochs: 2, learningRate: 0.01, decay: 0.1 },
    normalize: 'statistics',
    checkpointDir: path.join(tmp, 'decay'),
  });
  // 60 training chips in batches of 16: 4 steps per epoch; the last step of epoch 2 is iteration 7.
  assert.ok(Math.abs(result.history[1].learning_rate - 0.01 / (1 + 0.1 * 7)) < 1e-12, `${result.history[1].learning_rate}`);
  assert.ok(Math.abs(result.history[0].learning_rate - 0.01 / (1 + 0.1 * 3)) < 1e-12, `${result.history[0].learning_rate}`);
});

test('resuming from a checkpoint of another model is refused', async () => {
  const other = buildModelSpec({ arch: 'eurosat-cnn', channels: 3, classes: 10, size: 32, hidden: 64 });
  await assert.rejects(
    train({ dataset, spec: other, hyper: { ...DEFAULT_HYPERPARAMETERS, epochs: 3 }, normalize: 'statistics', checkpointDir: path.join(tmp, 'decay'), resume: true }),
    /checkpoint in .* is of another model/,
  );
});
