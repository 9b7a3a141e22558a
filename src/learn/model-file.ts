/**
 * A fitted classical model on disk: the estimator's JSON plus what it needs to be used again: the
 * feature columns in order, the class labels, the target's name and task. `tileflow fit` writes it as
 * `estimator.json` in the run's `model/` artifacts; `classify-raster` and the prediction service read it.
 */
import fs from 'node:fs/promises';
import { invalidParameter, notFound } from '../core/errors.js';
import { loadEstimator } from './classical/index.js';
import type { Estimator, SerializedEstimator } from './classical/estimator.js';

/** The format tag and version of the file. */
export const MODEL_FILE_FORMAT = 'tileflow-estimator/1';

/** The JSON document. */
export interface ModelFile {
  format: typeof MODEL_FILE_FORMAT;
  task: 'classification' | 'regression';
  target: string;
  features: string[];
  /** Class labels by class index (classification). */
  classes: string[];
  estimator: SerializedEstimator;
}

/** A loaded model file with its estimator rebuilt. */
export interface LoadedModel {
  file: ModelFile;
  estimator: Estimator;
}

/** The document for a fitted estimator. */
export function modelFile(estimator: Estimator, meta: { target: string; features: string[]; classes: string[] }): ModelFile {
  return { format: MODEL_FILE_FORMAT, task: estimator.task, target: meta.target, features: meta.features, classes: meta.classes, estimator: estimator.toJSON() };
}

/** Parses and checks a model document, rebuilding its estimator. */
export function parseModelFile(text: string, where: string): LoadedModel {
  let doc: Partial<ModelFile>;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    throw invalidParameter(`${where} is not JSON: ${(error as Error).message}`);
  }
  if (!doc || doc.format !== MODEL_FILE_FORMAT) throw invalidParameter(`${where} is not a tileflow model file (format ${MODEL_FILE_FORMAT})`);
  if (!Array.isArray(doc.features) || !doc.features.every((f) => typeof f === 'string')) throw invalidParameter(`${where}: features must be a list of column names`);
  if (!Array.isArray(doc.classes)) throw invalidParameter(`${where}: classes must be a list`);
  const estimator = loadEstimator(doc.estimator);
  return { file: doc as ModelFile, estimator };
}

/** Reads a model file from disk. */
export async function readModelFile(path: string): Promise<LoadedModel> {
  let text: string;
  try {
    text = await fs.readFile(path, 'utf8');
  } catch {
    throw notFound(`no model file at ${path}`);
  }
  return parseModelFile(text, path);
}
