/**
 * What the prediction pipeline needs to know of a model, read from its STAC MLM item: the task, the
 * input (bands, size, value scaling) and the classes with their colours. Checked against the ONNX
 * model itself before any tile is read, so a mismatch is a clear error and not a wrong map.
 */
import { invalidParameter } from '../core/errors.js';
import type { OnnxSession } from '../deep/runtime/session.js';
import type { PredictionClass, PredictionTask } from './types.js';

/** One band's value scaling (MLM `value_scaling`), applied before the model. */
export type ValueScaling =
  | { type: 'z-score'; mean: number; stddev: number }
  | { type: 'min-max'; minimum: number; maximum: number }
  | { type: 'clip'; minimum: number; maximum: number }
  | { type: 'clip-min'; minimum: number }
  | { type: 'clip-max'; maximum: number }
  | { type: 'offset'; value: number }
  | { type: 'scale'; value: number };

/** A model as the pipeline runs it. */
export interface ModelDescriptor {
  task: PredictionTask;
  /** Band names in input order. */
  bands: string[];
  channels: number;
  /** Input height and width in pixels; null where the model takes any size. */
  height: number | null;
  width: number | null;
  /** Per band (or one for all), applied in order; empty for none. */
  scaling: ValueScaling[][];
  classes: PredictionClass[];
  /** The zoom the model was trained for (`tileflow:zoom`), when the item says. */
  zoom: number | null;
}

/** Matplotlib's tab10, for classes with no colour hint. */
const TAB10 = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

const isObject = (v: unknown): v is Record<string, any> => typeof v === 'object' && v !== null && !Array.isArray(v);

function colorOf(hint: unknown, index: number): string {
  if (Array.isArray(hint) && hint.length >= 3 && hint.slice(0, 3).every((v) => Number.isInteger(v) && v >= 0 && v <= 255)) {
    return `#${hint.slice(0, 3).map((v: number) => v.toString(16).padStart(2, '0')).join('')}`;
  }
  if (typeof hint === 'string' && /^#?[0-9a-f]{6}$/i.test(hint)) return `#${hint.replace('#', '').toLowerCase()}`;
  return TAB10[index % TAB10.length];
}

function taskOf(tasks: unknown): PredictionTask {
  const list = Array.isArray(tasks) ? tasks.map(String) : [];
  if (list.some((t) => t === 'semantic-segmentation' || t === 'segmentation')) return 'segmentation';
  if (list.some((t) => t === 'object-detection' || t === 'detection')) return 'detection';
  if (list.some((t) => t === 'classification' || t === 'scene-classification')) return 'classification';
  throw invalidParameter(`MLM tasks ${JSON.stringify(tasks)} name none that tileflow predicts (classification, object-detection, semantic-segmentation)`);
}

function numberField(scaling: Record<string, unknown>, key: string, where: string): number {
  const v = scaling[key];
  if (typeof v !== 'number' || !Number.isFinite(v)) throw invalidParameter(`${where}: ${key} must be a finite number, got ${JSON.stringify(v)}`);
  return v;
}

function parseScaling(value: unknown, where: string): ValueScaling {
  if (!isObject(value)) throw invalidParameter(`${where} must be an object, got ${JSON.stringify(value)}`);
  switch (value.type) {
    case 'z-score': {
      const stddev = numberField(value, 'stddev', where);
      if (stddev <= 0) throw invalidParameter(`${where}: stddev must be positive`);
      return { type: 'z-score', mean: numberField(value, 'mean', where), stddev };
    }
    case 'min-max': {
      const minimum = numberField(value, 'minimum', where);
      const maximum = numberField(value, 'maximum', where);
      if (!(maximum > minimum)) throw invalidParameter(`${where}: maximum must exceed minimum`);
      return { type: 'min-max', minimum, maximum };
    }
    case 'clip':
      return { type: 'clip', minimum: numberField(value, 'minimum', where), maximum: numberField(value, 'maximum', where) };
    case 'clip-min':
      return { type: 'clip-min', minimum: numberField(value, 'minimum', where) };
    case 'clip-max':
      return { type: 'clip-max', maximum: numberField(value, 'maximum', where) };
    case 'offset':
      return { type: 'offset', value: numberField(value, 'value', where) };
    case 'scale':
      return { type: 'scale', value: numberField(value, 'value', where) };
    default:
      throw invalidParameter(`${where}: value scaling type ${JSON.stringify(value.type)} is not supported (z-score, min-max, clip, clip-min, clip-max, offset, scale)`);
  }
}

/** Reads a model's MLM STAC item (v1.x) into what the pipeline needs; throws a clear error for anything missing or malformed. */
export function describeModel(item: unknown): ModelDescriptor {
  if (!isObject(item)) throw invalidParameter('the MLM metadata must be a STAC item (a JSON object)');
  const properties = isObject(item.properties) ? item.properties : item;
  const inputs = properties['mlm:input'];
  const outputs = properties['mlm:output'];
  if (!Array.isArray(inputs) || inputs.length === 0 || !isObject(inputs[0])) throw invalidParameter('the MLM metadata has no mlm:input');
  if (!Array.isArray(outputs) || outputs.length === 0 || !isObject(outputs[0])) throw invalidParameter('the MLM metadata has no mlm:output');
  if (inputs.length > 1) throw invalidParameter(`the model has ${inputs.length} inputs; tileflow predicts with single-input models`);
  const input = inputs[0];
  const output = outputs[0];
  const bands: string[] = (Array.isArray(input.bands) ? input.bands : []).map((b: unknown) => (isObject(b) ? String(b.name) : String(b)));
  const shape = isObject(input.input) ? input.input.shape : undefined;
  const dims = isObject(input.input) && Array.isArray(input.input.dim_order) ? input.input.dim_order.map(String) : ['batch', 'bands', 'height', 'width'];
  if (!Array.isArray(shape) || shape.length !== 4 || !shape.every((d) => Number.isInteger(d))) {
    throw invalidParameter(`mlm:input shape must be 4 integers [batch, bands, height, width], got ${JSON.stringify(shape)}`);
  }
  if (dims.join(',') !== 'batch,bands,height,width' && dims.join(',') !== 'batch,channel,height,width') {
    throw invalidParameter(`mlm:input dim_order must be [batch, bands, height, width], got ${JSON.stringify(dims)}`);
  }
  const [, channels, height, width] = shape as number[];
  if (!(channels > 0)) throw invalidParameter(`mlm:input shape needs a fixed band count, got ${channels}`);
  if (bands.length && bands.length !== channels) throw invalidParameter(`mlm:input names ${bands.length} bands but its shape has ${channels}`);
  const rawScaling = input.value_scaling ?? input.norm_by_channel ?? null;
  let scaling: ValueScaling[][] = [];
  if (Array.isArray(rawScaling) && rawScaling.length) {
    if (rawScaling.length !== 1 && rawScaling.length !== channels) throw invalidParameter(`mlm:input value_scaling has ${rawScaling.length} entries for ${channels} bands (give one, or one per band)`);
    scaling = rawScaling.map((s: unknown, i: number) => (Array.isArray(s) ? s : [s]).map((one: unknown) => parseScaling(one, `mlm:input value_scaling[${i}]`)));
  }
  const rawClasses = output['classification:classes'];
  if (!Array.isArray(rawClasses) || rawClasses.length === 0) throw invalidParameter('mlm:output has no classification:classes: tileflow needs the class names');
  const classes: PredictionClass[] = rawClasses.map((c: unknown, i: number) => {
    if (!isObject(c)) throw invalidParameter(`classification:classes[${i}] must be an object`);
    const index = Number.isInteger(c.value) ? (c.value as number) : i;
    return { index, name: String(c.name ?? c.description ?? `class ${index}`), color: colorOf(c.color_hint, i) };
  });
  classes.forEach((c, i) => {
    if (c.index !== i) throw invalidParameter(`classification:classes values must be 0, 1, 2, … in order; entry ${i} has value ${c.index}`);
  });
  const zoom = properties['tileflow:zoom'];
  if (zoom !== undefined && !(Number.isInteger(zoom) && zoom >= 0 && zoom <= 24)) throw invalidParameter(`tileflow:zoom must be a zoom from 0 to 24, got ${JSON.stringify(zoom)}`);
  return {
    task: taskOf(output.tasks ?? properties['mlm:tasks']),
    bands,
    channels,
    height: height > 0 ? height : null,
    width: width > 0 ? width : null,
    scaling,
    classes,
    zoom: (zoom as number | undefined) ?? null,
  };
}

/** Checks that the ONNX model takes what the MLM item says (float32 input, band count, size). */
export function checkSession(model: ModelDescriptor, session: Pick<OnnxSession, 'inputSignature'>): void {
  const { type, shape } = session.inputSignature;
  if (type !== 'float32') throw invalidParameter(`the ONNX model takes ${type} input; tileflow feeds float32`);
  if (shape.length !== 4) throw invalidParameter(`the ONNX model's input has ${shape.length} dimensions but the MLM item says 4 [batch, bands, height, width]`);
  const [, c, h, w] = shape;
  if (c !== -1 && c !== model.channels) throw invalidParameter(`the MLM item says ${model.channels} bands but the ONNX model takes ${c}`);
  if (h !== -1 && model.height !== null && h !== model.height) throw invalidParameter(`the MLM item says height ${model.height} but the ONNX model takes ${h}`);
  if (w !== -1 && model.width !== null && w !== model.width) throw invalidParameter(`the MLM item says width ${model.width} but the ONNX model takes ${w}`);
  if (model.height === null && h !== -1) model.height = h;
  if (model.width === null && w !== -1) model.width = w;
}

/** Applies the model's value scaling to band-sequential pixels in place; masked pixels become 0. */
export function scaleInput(model: ModelDescriptor, data: Float32Array, plane: number, mask: Uint8Array | null): void {
  for (let b = 0; b < model.channels; b++) {
    const steps = model.scaling.length === 0 ? [] : model.scaling[model.scaling.length === 1 ? 0 : b];
    const offset = b * plane;
    for (const step of steps) {
      switch (step.type) {
        case 'z-score': {
          const inv = 1 / step.stddev;
          for (let p = 0; p < plane; p++) data[offset + p] = (data[offset + p] - step.mean) * inv;
          break;
        }
        case 'min-max': {
          const inv = 1 / (step.maximum - step.minimum);
          for (let p = 0; p < plane; p++) data[offset + p] = (data[offset + p] - step.minimum) * inv;
          break;
        }
        case 'clip':
          for (let p = 0; p < plane; p++) data[offset + p] = Math.min(step.maximum, Math.max(step.minimum, data[offset + p]));
          break;
        case 'clip-min':
          for (let p = 0; p < plane; p++) data[offset + p] = Math.max(step.minimum, data[offset + p]);
          break;
        case 'clip-max':
          for (let p = 0; p < plane; p++) data[offset + p] = Math.min(step.maximum, data[offset + p]);
          break;
        case 'offset':
          for (let p = 0; p < plane; p++) data[offset + p] += step.value;
          break;
        case 'scale':
          for (let p = 0; p < plane; p++) data[offset + p] *= step.value;
          break;
      }
    }
    if (mask) for (let p = 0; p < plane; p++) if (!mask[p]) data[offset + p] = 0;
  }
}

/** What a person fills in when a model comes without an MLM item (the upload form). */
export interface ModelForm {
  name: string;
  task: 'classification' | 'detection' | 'segmentation';
  /** Class names in output order; colours optional (`#rrggbb`). */
  classes: { name: string; color?: string }[];
  /** Band names in input order. */
  bands: string[];
  /** Input height and width in pixels; null for any size. */
  size: number | null;
  zoom?: number;
  /** Per band (or one for all) mean and standard deviation, or min and max, subtracted and divided before the model. */
  scaling?: { mean: number[]; std: number[] } | { min: number[]; max: number[] };
}

/** An MLM STAC item built from the upload form's fields, so a model from anywhere needs no hand-written JSON. */
export function mlmFromForm(form: ModelForm): Record<string, unknown> {
  if (!['classification', 'detection', 'segmentation'].includes(form.task)) throw invalidParameter(`task must be classification, detection or segmentation, got ${JSON.stringify(form.task)}`);
  if (!Array.isArray(form.classes) || form.classes.length === 0) throw invalidParameter('give the class names, in the order of the model\'s output');
  if (!Array.isArray(form.bands) || form.bands.length === 0) throw invalidParameter('give the band names, in the order of the model\'s input');
  if (form.size !== null && !(Number.isInteger(form.size) && form.size > 0 && form.size <= 4096)) throw invalidParameter(`size must be a whole number of pixels from 1 to 4096, or empty for any size; got ${JSON.stringify(form.size)}`);
  const mlmTask = form.task === 'segmentation' ? 'semantic-segmentation' : form.task === 'detection' ? 'object-detection' : 'classification';
  let valueScaling: Record<string, unknown>[] | null = null;
  if (form.scaling) {
    const [a, b, make] = 'mean' in form.scaling
      ? [form.scaling.mean, form.scaling.std, (x: number, y: number) => ({ type: 'z-score', mean: x, stddev: y })]
      : [form.scaling.min, form.scaling.max, (x: number, y: number) => ({ type: 'min-max', minimum: x, maximum: y })];
    if (a.length !== b.length || (a.length !== 1 && a.length !== form.bands.length)) throw invalidParameter(`scaling needs one value or one per band (${form.bands.length}) for each of its two lists`);
    valueScaling = a.map((x, i) => make(x, b[i]));
  }
  const size = form.size ?? -1;
  const item = {
    type: 'Feature',
    stac_version: '1.0.0',
    stac_extensions: [MLM_STAC_EXTENSION],
    id: form.name,
    geometry: null,
    properties: {
      datetime: new Date().toISOString(),
      'mlm:name': form.name,
      'mlm:architecture': 'unknown',
      'mlm:tasks': [mlmTask],
      'mlm:framework': 'onnx',
      ...(form.zoom !== undefined ? { 'tileflow:zoom': form.zoom } : {}),
      'mlm:input': [{ name: 'input', bands: form.bands, input: { shape: [-1, form.bands.length, size, size], dim_order: ['batch', 'bands', 'height', 'width'], data_type: 'float32' }, value_scaling: valueScaling }],
      'mlm:output': [{
        name: 'output',
        tasks: [mlmTask],
        result: { shape: [-1, form.classes.length], dim_order: ['batch', 'class'], data_type: 'float32' },
        'classification:classes': form.classes.map((c, i) => ({ value: i, name: String(c.name), ...(c.color ? { color_hint: c.color.replace('#', '') } : {}) })),
      }],
    },
    links: [],
    assets: { model: { href: './model.onnx', type: 'application/octet-stream; framework=onnx; profile=onnx', roles: ['mlm:model'], 'mlm:artifact_type': 'onnx' } },
  };
  describeModel(item);
  return item;
}

/** The MLM extension's schema URI, as tileflow writes it. */
export const MLM_STAC_EXTENSION = 'https://stac-extensions.github.io/mlm/v1.5.2/schema.json';
