/**
 * The two STAC extensions tileflow builds on, read into typed objects:
 *
 * - label (https://github.com/stac-extensions/label, v1.0.1): what a label item labels, its classes,
 *   and the source imagery it was drawn on; chip datasets are built from these.
 * - MLM, Machine Learning Model (https://github.com/stac-extensions/mlm, v1.5): a model's inputs
 *   (bands, tensor shape, scaling), outputs (classes) and artifacts; the model registry writes these.
 *
 * A missing required field is an `invalidParameter` error naming the field and the item. Beyond what
 * the schemas require, the readers accept what real catalogs write: MLM examples put an output's
 * classes under `classification_classes` rather than `classification:classes`, eotdl writes a label
 * class set's name as a one-element list, and label items before STAC 1.0 use singular field names.
 */
import { invalidParameter, type TileflowError } from '../../core/errors.js';
import { displayHref, resolveHref } from './href.js';
import type { StacAsset, StacItem } from './types.js';

/** Schema URLs of the label extension start with this. */
export const LABEL_SCHEMA_PREFIX = 'https://stac-extensions.github.io/label/';
/** Schema URLs of the MLM extension start with this. */
export const MLM_SCHEMA_PREFIX = 'https://stac-extensions.github.io/mlm/';

/** Reads fields of one item and names the item and field in every complaint. */
class Fields {
  constructor(
    private readonly what: string,
    private readonly itemId: string,
  ) {}

  /** An error for `field` of this item. */
  error(field: string, problem: string): TileflowError {
    return invalidParameter(`${this.what} '${this.itemId}': ${field} ${problem}`);
  }

  /** The value at `field`, which must be present (null counts as present only if `nullable`). */
  required(source: Record<string, unknown>, key: string, field = key, nullable = false): unknown {
    const value = source[key];
    if (value === undefined || (value === null && !nullable)) throw this.error(field, 'is missing');
    return value;
  }

  string(value: unknown, field: string): string {
    if (typeof value !== 'string' || value === '') throw this.error(field, `must be a non-empty string, got ${JSON.stringify(value)}`);
    return value;
  }

  number(value: unknown, field: string): number {
    if (typeof value !== 'number' || !Number.isFinite(value)) throw this.error(field, `must be a number, got ${JSON.stringify(value)}`);
    return value;
  }

  integer(value: unknown, field: string): number {
    if (!Number.isInteger(value)) throw this.error(field, `must be a whole number, got ${JSON.stringify(value)}`);
    return value as number;
  }

  array(value: unknown, field: string): unknown[] {
    if (!Array.isArray(value)) throw this.error(field, `must be a list, got ${JSON.stringify(value)}`);
    return value;
  }

  object(value: unknown, field: string): Record<string, unknown> {
    if (!value || typeof value !== 'object' || Array.isArray(value)) throw this.error(field, `must be an object, got ${JSON.stringify(value)}`);
    return value as Record<string, unknown>;
  }

  strings(value: unknown, field: string): string[] {
    return this.array(value, field).map((entry, i) => this.string(entry, `${field}[${i}]`));
  }

  /** An optional value: undefined when absent or null, otherwise checked by `read`. */
  optional<T>(source: Record<string, unknown>, key: string, read: (value: unknown, field: string) => T): T | undefined {
    const value = source[key];
    return value === undefined || value === null ? undefined : read(value, key);
  }
}

/** Whether an item declares an extension by a schema URL under `prefix`. */
function declares(item: StacItem, prefix: string): boolean {
  return (item.stac_extensions ?? []).some((url) => typeof url === 'string' && url.startsWith(prefix));
}

/** The item's properties, or a clear error when it has none. */
function propertiesOf(item: StacItem, fields: Fields): Record<string, unknown> {
  return fields.object(item?.properties, 'properties');
}

// ---------------------------------------------------------------------------------------------- label

/** One labelled property and its possible values. */
export interface LabelClassSet {
  /** The property (a key of `label:properties`); null for raster labels with no property name. */
  name: string | null;
  classes: (string | number)[];
}

/** Summary of one labelled property: counts per class (categorical) or statistics (regression). */
export interface LabelOverview {
  propertyKey: string | null;
  counts: { name: string; count: number }[];
  statistics: { name: string; value: number }[];
}

/** The imagery a label item was drawn on (a `rel=source` link). */
export interface LabelSource {
  /** Resolved against the item's location when one was given to the parser. */
  href: string;
  type?: string;
  /** Keys of the source item's assets the labels apply to (`label:assets`); null means all of them. */
  labelAssets: string[] | null;
}

/** A label item, read. */
export interface LabelItem {
  itemId: string;
  /** Which fields of the label features hold the labels; null for raster labels. */
  properties: string[] | null;
  classes: LabelClassSet[];
  description: string;
  type: 'vector' | 'raster';
  tasks: string[];
  methods: string[];
  overviews: LabelOverview[];
  sources: LabelSource[];
  /** Keys of this item's assets that hold the labels (see `parseLabelItem`). */
  labelAssetKeys: string[];
  assets: Record<string, StacAsset>;
}

/** Whether an item uses the label extension (declared, or recognisable by its required `label:type`). */
export function isLabelItem(item: StacItem): boolean {
  return declares(item, LABEL_SCHEMA_PREFIX) || (item?.properties as Record<string, unknown> | undefined)?.['label:type'] !== undefined;
}

/** The value of `field`, or of the name label items used before STAC 1.0 (`label:property`, …). */
function labelField(props: Record<string, unknown>, field: string, legacy: string): unknown {
  return props[field] !== undefined ? props[field] : props[legacy];
}

/** A class set's name: a string, null, or (as eotdl writes it) a one-element list of a string. */
function className(value: unknown, field: string, fields: Fields): string | null {
  if (value === null || value === undefined) return null;
  if (Array.isArray(value) && value.length === 1) return fields.string(value[0], `${field}[0]`);
  return fields.string(value, field);
}

/** Reads `label:overviews` (a list; an object before STAC 1.0). */
function overviews(value: unknown, fields: Fields): LabelOverview[] {
  if (value === undefined || value === null) return [];
  const list = Array.isArray(value) ? value : [value];
  return list.map((entry, i) => {
    const field = `label:overviews[${i}]`;
    const overview = fields.object(entry, field);
    const counts = (fields.optional(overview, 'counts', (v) => fields.array(v, `${field}.counts`)) ?? []).map((c, j) => {
      const count = fields.object(c, `${field}.counts[${j}]`);
      return { name: String(fields.required(count, 'name', `${field}.counts[${j}].name`)), count: fields.integer(count.count, `${field}.counts[${j}].count`) };
    });
    const statistics = (fields.optional(overview, 'statistics', (v) => fields.array(v, `${field}.statistics`)) ?? []).map((s, j) => {
      const stat = fields.object(s, `${field}.statistics[${j}]`);
      return { name: fields.string(stat.name, `${field}.statistics[${j}].name`), value: fields.number(stat.value, `${field}.statistics[${j}].value`) };
    });
    const key = overview.property_key;
    return { propertyKey: key === undefined || key === null ? null : fields.string(key, `${field}.property_key`), counts, statistics };
  });
}

/**
 * Reads a label item. `location` (the item's own path or URL) resolves relative source hrefs.
 * The label assets are the one keyed `labels` (what label v1.0 requires) and those with a `labels`,
 * `labels-vector` or `labels-raster` role (what later items write); an item that follows neither
 * convention has only label assets, so then all of them.
 */
export function parseLabelItem(item: StacItem, location?: string | URL): LabelItem {
  const fields = new Fields('label item', String(item?.id ?? '(no id)'));
  const props = propertiesOf(item, fields);

  const rawProperties = labelField(props, 'label:properties', 'label:property');
  if (rawProperties === undefined) throw fields.error('label:properties', 'is missing');
  const properties = rawProperties === null ? null : fields.strings(rawProperties, 'label:properties');

  const type = fields.string(fields.required(props, 'label:type'), 'label:type');
  if (type !== 'vector' && type !== 'raster') throw fields.error('label:type', `must be "vector" or "raster", got ${JSON.stringify(type)}`);

  const description = fields.string(fields.required(props, 'label:description'), 'label:description');

  const classes = (fields.optional(props, 'label:classes', (v, f) => fields.array(v, f)) ?? []).map((entry, i) => {
    const field = `label:classes[${i}]`;
    const set = fields.object(entry, field);
    const values = fields.array(fields.required(set, 'classes', `${field}.classes`), `${field}.classes`).map((value, j) => {
      if (typeof value !== 'string' && typeof value !== 'number') throw fields.error(`${field}.classes[${j}]`, `must be a string or a number, got ${JSON.stringify(value)}`);
      return value;
    });
    return { name: className(set.name, `${field}.name`, fields), classes: values };
  });

  const list = (field: string, legacy: string) => {
    const value = labelField(props, field, legacy);
    if (value === undefined || value === null) return [];
    return fields.strings(typeof value === 'string' ? [value] : value, field);
  };

  const sources = (Array.isArray(item.links) ? item.links : [])
    .filter((link) => link?.rel === 'source')
    .map((link, i): LabelSource => {
      const href = fields.string(link.href, `links (source ${i}).href`);
      const labelAssets = link['label:assets'] === undefined ? null : fields.strings(link['label:assets'], `links (source ${i}).label:assets`);
      return { href: location === undefined ? href : displayHref(resolveHref(href, location)), ...(link.type ? { type: link.type } : {}), labelAssets };
    });

  const assets = item.assets && typeof item.assets === 'object' ? item.assets : {};
  const keys = Object.keys(assets);
  const marked = keys.filter((key) => key === 'labels' || (assets[key].roles ?? []).some((role) => role === 'labels' || role.startsWith('labels-')));
  const labelAssetKeys = marked.length > 0 ? marked : keys;

  return {
    itemId: String(item.id),
    properties,
    classes,
    description,
    type,
    tasks: list('label:tasks', 'label:task'),
    methods: list('label:methods', 'label:method'),
    overviews: overviews(labelField(props, 'label:overviews', 'label:overview'), fields),
    sources,
    labelAssetKeys,
    assets,
  };
}

// ------------------------------------------------------------------------------------------------ MLM

/** A band or variable of a model input or output; derived ones carry an expression. */
export interface MlmBand {
  name: string;
  format?: string;
  expression?: unknown;
}

/** A tensor's layout: `shape` (-1 for any size), one `dimOrder` name per dimension, and its type. */
export interface MlmTensor {
  shape: number[];
  dimOrder: string[];
  dataType: string;
}

/** A processing step given as an expression in some format (`python`, `gdal-calc`, `uri`, …). */
export interface MlmProcessing {
  format: string;
  expression: unknown;
  description?: string;
}

/** One value-scaling step of an input band (MLM `value_scaling`). */
export type MlmValueScaling =
  | { type: 'min-max'; minimum: number; maximum: number }
  | { type: 'z-score'; mean: number; stddev: number }
  | { type: 'clip'; minimum: number; maximum: number }
  | { type: 'clip-min'; minimum: number; maximum?: number }
  | { type: 'clip-max'; maximum: number }
  | { type: 'offset'; value: number }
  | { type: 'scale'; value: number }
  | { type: 'processing'; format: string; expression: unknown };

/** The numeric fields each value-scaling type requires. */
const SCALING_FIELDS: Record<MlmValueScaling['type'], string[]> = {
  'min-max': ['minimum', 'maximum'],
  'z-score': ['mean', 'stddev'],
  clip: ['minimum', 'maximum'],
  'clip-min': ['minimum'],
  'clip-max': ['maximum'],
  offset: ['value'],
  scale: ['value'],
  processing: [],
};

/** One model input. */
export interface MlmInput {
  name: string;
  description?: string;
  bands: MlmBand[];
  variables: MlmBand[];
  input: MlmTensor;
  /** Per band (one entry for all bands), or null when the model takes values as they are. */
  valueScaling: MlmValueScaling[] | null;
  resizeType: string | null;
  preProcessing: MlmProcessing[];
}

/** One class a model predicts (the classification extension's class object). */
export interface MlmClass {
  value: number;
  name: string;
  title?: string;
  description?: string;
  /** `RRGGBB`; arrays `[r, g, b]` are written this way too. */
  colorHint: string | null;
  nodata?: boolean;
}

/** One model output. */
export interface MlmOutput {
  name: string;
  description?: string;
  tasks: string[];
  result: MlmTensor;
  bands: MlmBand[];
  variables: MlmBand[];
  classes: MlmClass[];
  postProcessing: MlmProcessing[];
}

/** An asset that holds the model itself (role `mlm:model`). */
export interface MlmModelAsset {
  key: string;
  href: string;
  type?: string;
  roles: string[];
  /** How the artifact was written (`torch.save`, `torch.jit.script`, `onnx`, …). */
  artifactType: string;
  compileMethod?: string;
  entrypoint?: string;
}

/** An MLM item, read. */
export interface MlmModel {
  itemId: string;
  name: string;
  architecture: string;
  tasks: string[];
  framework?: string;
  frameworkVersion?: string;
  memorySize?: number;
  totalParameters?: number;
  pretrained?: boolean;
  pretrainedSource?: string | null;
  batchSizeSuggestion?: number;
  accelerator: string | null;
  acceleratorConstrained?: boolean;
  acceleratorSummary?: string;
  acceleratorCount?: number;
  hyperparameters?: Record<string, unknown>;
  inputs: MlmInput[];
  outputs: MlmOutput[];
  modelAssets: MlmModelAsset[];
}

/** Whether an item uses the MLM extension (declared, or recognisable by its required `mlm:input`). */
export function isMlmItem(item: StacItem): boolean {
  return declares(item, MLM_SCHEMA_PREFIX) || (item?.properties as Record<string, unknown> | undefined)?.['mlm:input'] !== undefined;
}

function tensor(value: unknown, field: string, fields: Fields): MlmTensor {
  const t = fields.object(value, field);
  const shape = fields.array(fields.required(t, 'shape', `${field}.shape`), `${field}.shape`).map((n, i) => {
    const size = fields.integer(n, `${field}.shape[${i}]`);
    if (size < -1) throw fields.error(`${field}.shape[${i}]`, `must be -1 (any size) or a size, got ${size}`);
    return size;
  });
  const dimOrder = fields.strings(fields.required(t, 'dim_order', `${field}.dim_order`), `${field}.dim_order`);
  if (dimOrder.length !== shape.length) {
    throw fields.error(`${field}.dim_order`, `names ${dimOrder.length} dimensions but ${field}.shape has ${shape.length}`);
  }
  return { shape, dimOrder, dataType: fields.string(fields.required(t, 'data_type', `${field}.data_type`), `${field}.data_type`) };
}

function bands(value: unknown, field: string, fields: Fields): MlmBand[] {
  if (value === undefined || value === null) return [];
  return fields.array(value, field).map((entry, i) => {
    if (typeof entry === 'string') return { name: fields.string(entry, `${field}[${i}]`) };
    const band = fields.object(entry, `${field}[${i}]`);
    const name = fields.string(fields.required(band, 'name', `${field}[${i}].name`), `${field}[${i}].name`);
    if ((band.format === undefined) !== (band.expression === undefined)) throw fields.error(`${field}[${i}]`, 'must give both format and expression, or neither');
    return band.format === undefined ? { name } : { name, format: fields.string(band.format, `${field}[${i}].format`), expression: band.expression };
  });
}

function processing(value: unknown, field: string, fields: Fields): MlmProcessing[] {
  if (value === undefined || value === null) return [];
  return (Array.isArray(value) ? value : [value]).map((entry, i) => {
    const f = Array.isArray(value) ? `${field}[${i}]` : field;
    const step = fields.object(entry, f);
    const format = fields.string(fields.required(step, 'format', `${f}.format`), `${f}.format`);
    const expression = fields.required(step, 'expression', `${f}.expression`);
    return typeof step.description === 'string' ? { format, expression, description: step.description } : { format, expression };
  });
}

function valueScaling(input: Record<string, unknown>, field: string, fields: Fields): MlmValueScaling[] | null {
  if (input.value_scaling === undefined || input.value_scaling === null) return legacyScaling(input, field, fields);
  return fields.array(input.value_scaling, `${field}.value_scaling`).map((entry, i) => {
    const f = `${field}.value_scaling[${i}]`;
    const step = fields.object(entry, f);
    const type = fields.string(fields.required(step, 'type', `${f}.type`), `${f}.type`) as MlmValueScaling['type'];
    const numeric = SCALING_FIELDS[type];
    if (!numeric) throw fields.error(`${f}.type`, `must be one of ${Object.keys(SCALING_FIELDS).join(', ')}, got ${JSON.stringify(type)}`);
    if (type === 'processing') {
      const [expr] = processing(step, f, fields);
      return { type, format: expr.format, expression: expr.expression };
    }
    const scaling: Record<string, unknown> = { type };
    for (const key of numeric) scaling[key] = fields.number(fields.required(step, key, `${f}.${key}`), `${f}.${key}`);
    if (type === 'clip-min' && typeof step.maximum === 'number') scaling.maximum = step.maximum;
    return scaling as MlmValueScaling;
  });
}

/**
 * MLM before v1.3 described scaling as `norm_type` with per-band `statistics`; the two kinds that map
 * one-to-one onto `value_scaling` are read that way, any other is refused rather than guessed.
 */
function legacyScaling(input: Record<string, unknown>, field: string, fields: Fields): MlmValueScaling[] | null {
  const normType = input.norm_type;
  if (normType === undefined || normType === null) return null;
  const stats = fields.array(fields.required(input, 'statistics', `${field}.statistics`), `${field}.statistics`).map((s, i) => fields.object(s, `${field}.statistics[${i}]`));
  const num = (s: Record<string, unknown>, key: string, i: number) => fields.number(fields.required(s, key, `${field}.statistics[${i}].${key}`), `${field}.statistics[${i}].${key}`);
  if (normType === 'z-score') return stats.map((s, i) => ({ type: 'z-score', mean: num(s, 'mean', i), stddev: num(s, 'stddev', i) }));
  if (normType === 'min-max') return stats.map((s, i) => ({ type: 'min-max', minimum: num(s, 'minimum', i), maximum: num(s, 'maximum', i) }));
  throw fields.error(`${field}.norm_type`, `${JSON.stringify(normType)} has no value_scaling equivalent; describe it with value_scaling`);
}

/** `RRGGBB` from a hex string or an `[r, g, b]` list; null when absent. */
function colorHint(value: unknown, field: string, fields: Fields): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string' && /^[0-9A-Fa-f]{6}$/.test(value)) return value.toUpperCase();
  if (Array.isArray(value) && value.length === 3 && value.every((c) => Number.isInteger(c) && c >= 0 && c <= 255)) {
    return value.map((c: number) => c.toString(16).padStart(2, '0')).join('').toUpperCase();
  }
  throw fields.error(field, `must be RRGGBB or [r, g, b], got ${JSON.stringify(value)}`);
}

function classes(output: Record<string, unknown>, field: string, fields: Fields): MlmClass[] {
  const key = output['classification:classes'] !== undefined ? 'classification:classes' : 'classification_classes';
  const value = output[key];
  if (value === undefined || value === null) return [];
  return fields.array(value, `${field}.${key}`).map((entry, i) => {
    const f = `${field}.${key}[${i}]`;
    const c = fields.object(entry, f);
    const cls: MlmClass = {
      value: fields.integer(fields.required(c, 'value', `${f}.value`), `${f}.value`),
      name: fields.string(fields.required(c, 'name', `${f}.name`), `${f}.name`),
      colorHint: colorHint(c.color_hint, `${f}.color_hint`, fields),
    };
    if (typeof c.title === 'string') cls.title = c.title;
    if (typeof c.description === 'string') cls.description = c.description;
    if (typeof c.nodata === 'boolean') cls.nodata = c.nodata;
    return cls;
  });
}

function mlmInput(entry: unknown, field: string, fields: Fields): MlmInput {
  const input = fields.object(entry, field);
  const resize = input.resize_type;
  return {
    name: fields.string(fields.required(input, 'name', `${field}.name`), `${field}.name`),
    ...(typeof input.description === 'string' ? { description: input.description } : {}),
    bands: bands(input.bands, `${field}.bands`, fields),
    variables: bands(input.variables, `${field}.variables`, fields),
    input: tensor(fields.required(input, 'input', `${field}.input`), `${field}.input`, fields),
    valueScaling: valueScaling(input, field, fields),
    resizeType: resize === undefined || resize === null ? null : fields.string(resize, `${field}.resize_type`),
    preProcessing: processing(input.pre_processing_function, `${field}.pre_processing_function`, fields),
  };
}

function mlmOutput(entry: unknown, field: string, fields: Fields): MlmOutput {
  const output = fields.object(entry, field);
  return {
    name: fields.string(fields.required(output, 'name', `${field}.name`), `${field}.name`),
    ...(typeof output.description === 'string' ? { description: output.description } : {}),
    tasks: fields.strings(fields.required(output, 'tasks', `${field}.tasks`), `${field}.tasks`),
    result: tensor(fields.required(output, 'result', `${field}.result`), `${field}.result`, fields),
    bands: bands(output.bands, `${field}.bands`, fields),
    variables: bands(output.variables, `${field}.variables`, fields),
    classes: classes(output, field, fields),
    postProcessing: processing(output.post_processing_function, `${field}.post_processing_function`, fields),
  };
}

function modelAssets(item: StacItem, fields: Fields): MlmModelAsset[] {
  const assets = item.assets && typeof item.assets === 'object' ? item.assets : {};
  const found = Object.entries(assets)
    .filter(([, asset]) => Array.isArray(asset?.roles) && asset.roles.includes('mlm:model'))
    .map(([key, asset]) => {
      const field = `assets.${key}`;
      const model: MlmModelAsset = {
        key,
        href: fields.string(asset.href, `${field}.href`),
        roles: asset.roles ?? [],
        artifactType: fields.string(fields.required(asset, 'mlm:artifact_type', `${field}.mlm:artifact_type`), `${field}.mlm:artifact_type`),
      };
      if (asset.type) model.type = asset.type;
      if (typeof asset['mlm:compile_method'] === 'string') model.compileMethod = asset['mlm:compile_method'];
      if (typeof asset['mlm:entrypoint'] === 'string') model.entrypoint = asset['mlm:entrypoint'];
      return model;
    });
  if (found.length === 0) throw fields.error('assets', 'must include the model: an asset with the role "mlm:model"');
  return found;
}

/** Reads an MLM item: the model's metadata, inputs, outputs and model assets. */
export function parseMlmItem(item: StacItem): MlmModel {
  const fields = new Fields('MLM item', String(item?.id ?? '(no id)'));
  const props = propertiesOf(item, fields);
  const opt = <T>(key: string, read: (value: unknown, field: string) => T) => fields.optional(props, key, read);
  const bool = (value: unknown, field: string) => {
    if (typeof value !== 'boolean') throw fields.error(field, `must be true or false, got ${JSON.stringify(value)}`);
    return value;
  };
  const model: MlmModel = {
    itemId: String(item.id),
    name: fields.string(fields.required(props, 'mlm:name'), 'mlm:name'),
    architecture: fields.string(fields.required(props, 'mlm:architecture'), 'mlm:architecture'),
    tasks: fields.strings(fields.required(props, 'mlm:tasks'), 'mlm:tasks'),
    accelerator: opt('mlm:accelerator', (v, f) => fields.string(v, f)) ?? null,
    inputs: fields.array(fields.required(props, 'mlm:input'), 'mlm:input').map((entry, i) => mlmInput(entry, `mlm:input[${i}]`, fields)),
    outputs: fields.array(fields.required(props, 'mlm:output'), 'mlm:output').map((entry, i) => mlmOutput(entry, `mlm:output[${i}]`, fields)),
    modelAssets: modelAssets(item, fields),
  };
  const optional: Partial<MlmModel> = {
    framework: opt('mlm:framework', (v, f) => fields.string(v, f)),
    frameworkVersion: opt('mlm:framework_version', (v, f) => fields.string(v, f)),
    memorySize: opt('mlm:memory_size', (v, f) => fields.integer(v, f)),
    totalParameters: opt('mlm:total_parameters', (v, f) => fields.integer(v, f)),
    pretrained: opt('mlm:pretrained', bool),
    batchSizeSuggestion: opt('mlm:batch_size_suggestion', (v, f) => fields.integer(v, f)),
    acceleratorConstrained: opt('mlm:accelerator_constrained', bool),
    acceleratorSummary: opt('mlm:accelerator_summary', (v, f) => fields.string(v, f)),
    acceleratorCount: opt('mlm:accelerator_count', (v, f) => fields.integer(v, f)),
    hyperparameters: opt('mlm:hyperparameters', (v, f) => fields.object(v, f)),
  };
  for (const [key, value] of Object.entries(optional)) if (value !== undefined) (model as unknown as Record<string, unknown>)[key] = value;
  // Null is meaningful here: trained from scratch, as opposed to unknown.
  if ('mlm:pretrained_source' in props) {
    const source = props['mlm:pretrained_source'];
    model.pretrainedSource = source === null ? null : fields.string(source, 'mlm:pretrained_source');
  }
  return model;
}
