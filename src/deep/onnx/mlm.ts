/**
 * STAC Machine Learning Model (MLM v1.5) metadata for an exported model: what goes in (bands, shape,
 * z-score normalization per band) and what comes out (task, classes with colours), written beside the
 * ONNX file so the prediction service, and any MLM-aware tool, can run it without tileflow's config.
 */
import type { ModelSpec } from '../models/spec.js';
import { INPUT_NAME, OUTPUT_NAME } from './export.js';

export const MLM_EXTENSION = 'https://stac-extensions.github.io/mlm/v1.5.2/schema.json';
/** Bands are named with `eo:bands` on the model asset, which MLM accepts as their description. */
export const EO_EXTENSION = 'https://stac-extensions.github.io/eo/v1.1.0/schema.json';

/** A class of the model's output. */
export interface MlmClass {
  index: number;
  name: string;
  /** `#rrggbb`. */
  color?: string;
}

export interface MlmOptions {
  id: string;
  spec: ModelSpec;
  /** Band names in input order. */
  bands: string[];
  /** Per-band mean and standard deviation subtracted and divided before the model (z-score), or none. */
  normalization: { mean: number[]; std: number[] } | null;
  classes: MlmClass[];
  /** Where the ONNX file is, relative to the metadata file. */
  modelHref: string;
  totalParameters: number;
  frameworkVersion: string;
  created?: Date;
  description?: string;
}

function rgb(color: string | undefined): [number, number, number] | undefined {
  const m = /^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(color ?? '');
  return m ? [parseInt(m[1], 16), parseInt(m[2], 16), parseInt(m[3], 16)] : undefined;
}

/** The STAC item (MLM extension) describing an exported model. */
export function mlmItem(options: MlmOptions): Record<string, unknown> {
  const { spec } = options;
  const segmentation = spec.task === 'segmentation';
  const task = segmentation ? 'semantic-segmentation' : 'classification';
  const timeSeries = spec.inputShape.length === 2;
  const dimOrder = timeSeries ? ['batch', 'time', 'bands'] : ['batch', 'bands', 'height', 'width'];
  const input: Record<string, unknown> = {
    name: INPUT_NAME,
    bands: options.bands,
    input: { shape: [-1, ...spec.inputShape], dim_order: dimOrder, data_type: 'float32' },
    pre_processing_function: null,
  };
  if (options.normalization) {
    const { mean, std } = options.normalization;
    input.value_scaling = mean.map((m, i) => ({ type: 'z-score', mean: m, stddev: std[i] }));
  }
  const output = {
    name: OUTPUT_NAME,
    tasks: [task],
    result: {
      shape: segmentation ? [-1, spec.classes, spec.inputShape[1], spec.inputShape[2]] : [-1, spec.classes],
      dim_order: segmentation ? ['batch', 'class', 'height', 'width'] : ['batch', 'class'],
      data_type: 'float32',
    },
    'classification:classes': options.classes.map((c) => {
      const hint = rgb(c.color);
      return { value: c.index, name: c.name, ...(hint ? { color_hint: hint } : {}) };
    }),
    post_processing_function: null,
  };
  return {
    type: 'Feature',
    stac_version: '1.0.0',
    stac_extensions: options.bands.length ? [MLM_EXTENSION, EO_EXTENSION] : [MLM_EXTENSION],
    id: options.id,
    geometry: null,
    properties: {
      datetime: (options.created ?? new Date()).toISOString(),
      description: options.description ?? `${spec.arch} trained by tileflow`,
      'mlm:name': options.id,
      'mlm:architecture': spec.arch,
      'mlm:tasks': [task],
      'mlm:framework': 'pytorch',
      'mlm:framework_version': options.frameworkVersion,
      'mlm:accelerator': 'amd64',
      'mlm:accelerator_constrained': false,
      'mlm:total_parameters': options.totalParameters,
      'mlm:pretrained': false,
      'mlm:input': [input],
      'mlm:output': [output],
    },
    links: [],
    assets: {
      model: {
        href: options.modelHref,
        type: 'application/octet-stream; framework=onnx; profile=onnx',
        title: `${spec.arch} (ONNX, opset 17)`,
        roles: ['mlm:model', 'data'],
        'mlm:artifact_type': 'onnx',
        ...(options.bands.length ? { 'eo:bands': options.bands.map((name) => ({ name })) } : {}),
      },
    },
  };
}
