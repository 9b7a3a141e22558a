/**
 * Retraining from reviews: the tiles people reviewed become a chip dataset (invalid labels of a binary
 * model flipped), and the model version that made the prediction is trained further on it, from its
 * own weights and with its own training config, into a new version of the same registered model whose
 * semantic version has its minor number bumped. Everything is one tracked run, as `tileflow train` makes.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import YAML from 'yaml';
import { TileflowError, invalidParameter } from '../core/errors.js';
import { openImagery } from '../data/raster/registry.js';
import { parseTrainConfig } from '../deep/train/config.js';
import { runTrainingPipeline, type PipelineCallbacks } from '../deep/train/pipeline.js';
import { proxiedArtifactPath } from '../track/artifacts/artifact-store.js';
import { startTrackedRun } from '../track/recorder.js';
import type { Tracking } from '../track/service.js';
import { exportChipDataset } from './export/chips.js';
import { describeModel } from './model.js';
import type { PredictStore } from './store/predict-store.js';

/** The registry tag that holds a model version's semantic version. */
export const SEMVER_TAG = 'tileflow.semver';

/** A model version's semantic version: its tag, or `N.0.0` for registry version N. */
export function semverOf(version: { version: string; tags: { key: string; value: string }[] }): string {
  const tagged = version.tags.find((t) => t.key === SEMVER_TAG)?.value;
  return tagged && /^\d+\.\d+\.\d+$/.test(tagged) ? tagged : `${version.version}.0.0`;
}

/** `1.2.3` -> `1.3.0`. */
export function bumpMinor(semver: string): string {
  const [major, minor] = semver.split('.').map(Number);
  return `${major}.${minor + 1}.0`;
}

export interface RetrainOptions {
  /** Work folder for the chip dataset and checkpoints. */
  workDir: string;
  /** Override the previous training's epochs (fine-tuning usually wants fewer). */
  epochs?: number;
  /** Use unreviewed tiles too, labelled with the model's own predictions (default false). */
  includeUnreviewed?: boolean;
  callbacks?: PipelineCallbacks;
}

export interface RetrainResult {
  name: string;
  version: string;
  semver: string;
  runId: string;
  chips: number;
  perClass: Record<string, number>;
}

/** Trains the model version behind a prediction further on the prediction's reviewed tiles. */
export async function retrainFromPrediction(tracking: Tracking, store: PredictStore, predictionId: string, options: RetrainOptions): Promise<RetrainResult> {
  const prediction = await store.getPrediction(predictionId);
  if (prediction.task !== 'classification') throw invalidParameter(`retraining from reviews supports classification models; this prediction is ${prediction.task}`);
  const source = await tracking.registry.getModelVersion(prediction.modelName, prediction.modelVersion);
  if (!source.runId) throw invalidParameter(`${source.name} version ${source.version} has no source run: retraining needs the training config of a model trained by tileflow`);
  const run = await tracking.runs.getRun(source.runId);
  const root = proxiedArtifactPath(run.info.artifactUri);
  if (root === null) throw invalidParameter(`run ${source.runId} keeps its artifacts outside tileflow's store`);
  const readArtifact = async (file: string): Promise<Buffer> => {
    try {
      const artifact = await tracking.artifacts.get(`${root}/${file}`);
      const chunks: Buffer[] = [];
      for await (const chunk of artifact.open()) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks);
    } catch (error) {
      if (error instanceof TileflowError && error.code === 'RESOURCE_DOES_NOT_EXIST') {
        throw invalidParameter(`${source.name} version ${source.version} was not trained by tileflow (its run has no ${file}); retraining needs its training config and weights`);
      }
      throw error;
    }
  };
  const [configText, weights, mlmText] = await Promise.all([readArtifact('config/training.yaml'), readArtifact('model/weights.pt'), readArtifact('model/mlm.json')]);
  const model = describeModel(JSON.parse(mlmText.toString('utf8')));
  if (model.height === null) throw invalidParameter('the model has no fixed input size to cut chips at');

  await fs.mkdir(options.workDir, { recursive: true });
  const work = await fs.mkdtemp(path.join(options.workDir, `retrain-${predictionId.slice(0, 8)}-`));
  const imagery = await store.getImagery(prediction.imageryId);
  const provider = await openImagery(imagery.uri);
  let chips: Awaited<ReturnType<typeof exportChipDataset>>;
  try {
    chips = await exportChipDataset(store, predictionId, provider, {
      output: path.join(work, 'dataset'),
      size: model.height,
      bands: imagery.options.bands,
      filter: { reviewedOnly: !options.includeUnreviewed, flipInvalid: true },
    });
  } finally {
    await provider.close();
  }
  if (chips.chips === 0) throw invalidParameter(`prediction ${predictionId} has no reviewed tiles to retrain on: review some first`);
  const weightsPath = path.join(work, 'previous-weights.pt');
  await fs.writeFile(weightsPath, weights);

  const previous = YAML.parse(configText.toString('utf8')) as Record<string, any>;
  const semver = bumpMinor(semverOf(source));
  const data: Record<string, unknown> = { dataset: path.join(work, 'dataset'), normalize: previous.data?.normalize, augment: previous.data?.augment };
  for (const key of Object.keys(data)) if (data[key] === undefined) delete data[key];
  const raw = {
    ...previous,
    run_name: `${source.name} ${semver} (retrained on reviews of prediction ${predictionId.slice(0, 8)})`,
    data,
    model: { ...previous.model, weights: weightsPath },
    training: { ...previous.training, ...(options.epochs ? { epochs: options.epochs } : {}) },
    register: source.name,
    output: path.join(work, 'train'),
    resume: false,
  };
  const config = parseTrainConfig(raw, work, path.join(work, 'train'));
  const recorder = await startTrackedRun(tracking, {
    experiment: config.experiment,
    runName: config.runName,
    tags: { 'tileflow.retrained_from': `${source.name}/${source.version}`, 'tileflow.prediction': predictionId, 'mlflow.source.type': 'JOB' },
  });
  const result = await runTrainingPipeline(config, recorder, options.callbacks);
  if (!result.modelVersion) throw new TileflowError('INTERNAL_ERROR', 'the retraining registered no model version');
  await tracking.registry.setModelVersionTag(source.name, result.modelVersion.version, { key: SEMVER_TAG, value: semver });
  await tracking.registry.setModelVersionTag(source.name, result.modelVersion.version, { key: 'tileflow.parent_version', value: source.version });
  return { name: source.name, version: result.modelVersion.version, semver, runId: result.runId, chips: chips.chips, perClass: chips.perClass };
}
