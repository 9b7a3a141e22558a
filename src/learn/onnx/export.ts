/**
 * ONNX export of fitted classical estimators, for serving with ONNX Runtime. Every model reads one
 * float input `X` [N, n_features] and writes, as sklearn-onnx names them, `label` (int64 [N], the
 * class index 0..k-1; the caller maps indices to labels) and `probabilities` (float [N, k]) for a
 * classifier, or `variable` (float [N, 1]) for a regressor. An SVC fitted without `probability` has no
 * probabilities: it writes `label` and `scores` (its `decisionFunction`, float [N, columns]) instead.
 *
 * The graphs use the ONNX-ML operators (domain `ai.onnx.ml`, opset 3): LinearClassifier (lr, lda),
 * TreeEnsembleClassifier / TreeEnsembleRegressor (cart, rf, gbt) and SVMClassifier (svm), with
 * default-domain operators (opset 17) around them where an estimator's output needs them; Gaussian
 * naive Bayes is default-domain operators only. One exporter per kind, chosen here.
 */
import { invalidParameter, TileflowError } from '../../core/errors.js';
import { encodeModel, type OnnxModel } from '../../data/onnx/protobuf.js';
import type { Estimator, SerializedEstimator } from '../classical/estimator.js';
import { BATCH, GraphBuilder, INPUT_NAME } from './graph.js';
import { exportKNeighbors } from './knn.js';
import { exportLinearDiscriminant, exportLogisticRegression } from './linear.js';
import { exportGaussianNB } from './naive-bayes.js';
import { exportSvc } from './svm.js';
import { exportBoostingClassifier, exportBoostingRegressor, exportForestClassifier, exportForestRegressor, exportTreeClassifier, exportTreeRegressor } from './trees.js';

/** Default-domain opset of exported models. */
export const OPSET = 17;
/** `ai.onnx.ml` opset of exported models. */
export const ML_OPSET = 3;

/** What to store besides the graph. */
export interface OnnxExportOptions {
  /** Names of the features, in X's column order; stored as JSON in the model's metadata (`feature_names`). */
  featureNames?: string[];
  /** Class labels by class index; stored as JSON in the metadata (`class_labels`) so a server can name classes. */
  classLabels?: string[];
  /** The model's `producer_version` (default '0'). */
  producerVersion?: string;
  /** The model's `doc_string`. */
  docString?: string;
}

/** Builds an estimator's graph from its serialized form into `g`, declaring its outputs. */
type Exporter = (json: SerializedEstimator, g: GraphBuilder) => void;

const EXPORTERS: Record<string, { classification?: Exporter; regression?: Exporter }> = {
  lr: { classification: exportLogisticRegression },
  lda: { classification: exportLinearDiscriminant },
  knn: { classification: exportKNeighbors },
  cart: { classification: exportTreeClassifier, regression: exportTreeRegressor },
  nb: { classification: exportGaussianNB },
  svm: { classification: exportSvc },
  rf: { classification: exportForestClassifier, regression: exportForestRegressor },
  gbt: { classification: exportBoostingClassifier, regression: exportBoostingRegressor },
};

/** The kinds `exportOnnx` knows. */
export const ONNX_EXPORT_KINDS = Object.keys(EXPORTERS);

/** A fitted estimator's serialized form, or a clear refusal when it is not fitted. */
function serialize(estimator: Estimator): SerializedEstimator {
  if (!estimator || typeof estimator !== 'object' || typeof estimator.toJSON !== 'function') throw invalidParameter('exportOnnx needs a tileflow estimator');
  try {
    return estimator.toJSON();
  } catch (error) {
    if (error instanceof TileflowError) throw invalidParameter(`cannot export ${estimator.kind} to ONNX: it is not fitted (${error.message})`);
    throw error;
  }
}

/** The ONNX model (before encoding) of a serialized, fitted estimator. */
export function estimatorToOnnxModel(json: SerializedEstimator, options: OnnxExportOptions = {}): OnnxModel {
  const entry = EXPORTERS[json.kind];
  if (!entry) throw invalidParameter(`cannot export a ${JSON.stringify(json.kind)} model to ONNX; exportable kinds: ${ONNX_EXPORT_KINDS.join(', ')}`);
  const exporter = entry[json.task];
  if (!exporter) throw invalidParameter(`cannot export a ${json.kind} ${json.task} model to ONNX`);
  const nFeatures = (json.state as { nFeatures?: unknown }).nFeatures;
  if (typeof nFeatures !== 'number' || !Number.isInteger(nFeatures) || nFeatures < 1) throw invalidParameter(`cannot export ${json.kind}: its state has no feature count`);
  const metadata: Record<string, string> = { 'tileflow.kind': json.kind, 'tileflow.task': json.task };
  if (options.featureNames !== undefined) {
    const names = options.featureNames;
    if (!Array.isArray(names) || !names.every((n) => typeof n === 'string')) throw invalidParameter('featureNames must be a list of strings');
    if (names.length !== nFeatures) throw invalidParameter(`featureNames has ${names.length} names but the ${json.kind} model was fitted on ${nFeatures} features`);
    metadata.feature_names = JSON.stringify(names);
  }
  const nClasses = (json.state as { nClasses?: unknown }).nClasses;
  if (json.task === 'classification') metadata['tileflow.n_classes'] = String(nClasses);
  if (options.classLabels !== undefined) {
    const labels = options.classLabels;
    if (json.task !== 'classification') throw invalidParameter('classLabels only apply to a classifier');
    if (!Array.isArray(labels) || !labels.every((n) => typeof n === 'string')) throw invalidParameter('classLabels must be a list of strings');
    if (labels.length !== nClasses) throw invalidParameter(`classLabels has ${labels.length} labels but the ${json.kind} model has ${nClasses} classes`);
    metadata.class_labels = JSON.stringify(labels);
  }
  const g = new GraphBuilder();
  exporter(json, g);
  return {
    graphName: `tileflow_${json.kind}_${json.task}`,
    nodes: g.nodes,
    initializers: g.initializers,
    inputs: [{ name: INPUT_NAME, type: 'float', shape: [BATCH, nFeatures] }],
    outputs: g.outputs,
    opset: OPSET,
    mlOpset: ML_OPSET,
    producerVersion: options.producerVersion ?? '0',
    docString: options.docString,
    metadata,
  };
}

/** The bytes of an `.onnx` file computing a fitted estimator's predictions (see the module comment for its outputs). */
export function exportOnnx(estimator: Estimator, options: OnnxExportOptions = {}): Uint8Array {
  return encodeModel(estimatorToOnnxModel(serialize(estimator), options));
}
