/**
 * Reads a model version's MLM STAC item into what the version page shows: tasks, architecture, the
 * input (bands, shape, value scaling) and the output classes with their colours. Lenient on purpose:
 * the server checked the item when the version was uploaded or trained (src/predict/model.ts), and a
 * field the page cannot read is shown as missing, not as an error.
 */
import type { MlmItem } from '../api/registry';

/** One input of the model. */
export interface MlmInput {
  name: string;
  bands: string[];
  /** Each dimension's name and size; a size of -1 takes any size. */
  dims: { name: string; size: number }[];
  dataType: string;
  /** One description per band, or one for all bands; empty without scaling. */
  scaling: string[];
}

/** One output class. */
export interface MlmClass {
  value: number;
  name: string;
  description?: string;
  /** `#rrggbb`. */
  color: string;
  /** Whether the colour is the default the prediction map gives a class without a hint. */
  defaultColor: boolean;
}

/** One output of the model. */
export interface MlmOutput {
  name: string;
  tasks: string[];
  dims: { name: string; size: number }[];
  classes: MlmClass[];
}

/** What the version page shows of an MLM item. */
export interface MlmSummary {
  name?: string;
  tasks: string[];
  architecture?: string;
  framework?: string;
  frameworkVersion?: string;
  totalParameters?: number;
  pretrained?: boolean;
  /** The zoom the model was trained for (`tileflow:zoom`). */
  zoom?: number;
  inputs: MlmInput[];
  outputs: MlmOutput[];
}

// Matplotlib's tab10: the prediction map's colour for a class with no hint (src/predict/model.ts), so
// the swatch here is the colour the map will draw.
const TAB10 = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const text = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.map((x) => (isObject(x) ? String(x.name ?? '') : String(x))) : []);

/** A colour hint (`rrggbb`, `#rrggbb` or `[r, g, b]`) as `#rrggbb`, or null when it is none of those. */
export function hintColor(hint: unknown): string | null {
  if (Array.isArray(hint) && hint.length >= 3 && hint.slice(0, 3).every((v) => Number.isInteger(v) && v >= 0 && v <= 255)) {
    return `#${hint.slice(0, 3).map((v: number) => v.toString(16).padStart(2, '0')).join('')}`;
  }
  if (typeof hint === 'string' && /^#?[0-9a-f]{6}$/i.test(hint)) return `#${hint.replace('#', '').toLowerCase()}`;
  return null;
}

/** One value-scaling step in words, e.g. `min-max 0 to 255`. */
export function describeScaling(step: unknown): string {
  if (!isObject(step)) return JSON.stringify(step);
  const n = (key: string) => String(step[key]);
  switch (step.type) {
    case 'z-score':
      return `z-score (mean ${n('mean')}, std ${n('stddev')})`;
    case 'min-max':
      return `min-max ${n('minimum')} to ${n('maximum')}`;
    case 'clip':
      return `clip to ${n('minimum')}…${n('maximum')}`;
    case 'clip-min':
      return `clip below ${n('minimum')}`;
    case 'clip-max':
      return `clip above ${n('maximum')}`;
    case 'offset':
      return `add ${n('value')}`;
    case 'scale':
      return `multiply by ${n('value')}`;
    default:
      return JSON.stringify(step);
  }
}

function dimsOf(tensor: unknown, fallback: string[]): { name: string; size: number }[] {
  if (!isObject(tensor) || !Array.isArray(tensor.shape)) return [];
  const names = Array.isArray(tensor.dim_order) ? tensor.dim_order.map(String) : fallback;
  return tensor.shape.map((size, i) => ({ name: names[i] ?? `dim ${i}`, size: Number(size) }));
}

function inputOf(input: Json, index: number): MlmInput {
  const scaling = input.value_scaling ?? input.norm_by_channel;
  return {
    name: text(input.name) ?? `input ${index}`,
    bands: strings(input.bands),
    dims: dimsOf(input.input, ['batch', 'bands', 'height', 'width']),
    dataType: (isObject(input.input) && text(input.input.data_type)) || '',
    // A band may have several steps, applied in order.
    scaling: Array.isArray(scaling) ? scaling.map((s) => (Array.isArray(s) ? s.map(describeScaling).join(', then ') : describeScaling(s))) : [],
  };
}

function outputOf(output: Json, index: number): MlmOutput {
  const classes = Array.isArray(output['classification:classes']) ? output['classification:classes'] : [];
  return {
    name: text(output.name) ?? `output ${index}`,
    tasks: strings(output.tasks),
    dims: dimsOf(output.result, []),
    classes: classes.filter(isObject).map((c, i) => {
      const value = Number.isInteger(c.value) ? (c.value as number) : i;
      const color = hintColor(c.color_hint);
      return {
        value,
        name: text(c.name) ?? text(c.description) ?? `class ${value}`,
        description: text(c.name) ? text(c.description) : undefined,
        color: color ?? TAB10[i % TAB10.length],
        defaultColor: color === null,
      };
    }),
  };
}

/** The parts of an MLM item the version page shows. */
export function summarizeMlm(item: MlmItem): MlmSummary {
  const p = isObject(item.properties) ? item.properties : {};
  const inputs = Array.isArray(p['mlm:input']) ? p['mlm:input'].filter(isObject) : [];
  const outputs = Array.isArray(p['mlm:output']) ? p['mlm:output'].filter(isObject) : [];
  const outputTasks = outputs.flatMap((o) => strings(o.tasks));
  return {
    name: text(p['mlm:name']),
    tasks: [...new Set([...strings(p['mlm:tasks']), ...outputTasks])],
    architecture: text(p['mlm:architecture']),
    framework: text(p['mlm:framework']),
    frameworkVersion: text(p['mlm:framework_version']),
    totalParameters: typeof p['mlm:total_parameters'] === 'number' ? p['mlm:total_parameters'] : undefined,
    pretrained: typeof p['mlm:pretrained'] === 'boolean' ? p['mlm:pretrained'] : undefined,
    zoom: typeof p['tileflow:zoom'] === 'number' ? p['tileflow:zoom'] : undefined,
    inputs: inputs.map(inputOf),
    outputs: outputs.map(outputOf),
  };
}
