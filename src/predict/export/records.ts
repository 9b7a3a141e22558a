/**
 * What an export holds: a prediction's done tiles or its features, filtered, each with its latest
 * review and the label that review makes of it, read from the store a page at a time so that a
 * prediction of 100,000 tiles never sits in memory at once. The file formats (`formats.ts`) and the
 * chip dataset (`chips.ts`) both read these records.
 *
 * The label after review: unreviewed or valid, the judged class (the review's class, else the
 * predicted one); invalid, no label (null), since "not class k" names no class. With `flipInvalid`,
 * an invalid record of a binary model takes the other class, and an invalid record of a multi-class
 * model is dropped from the export.
 */
import { invalidParameter } from '../../core/errors.js';
import { tileFeature } from '../../geo/tiles.js';
import type { PredictStore } from '../store/predict-store.js';
import type { Prediction, PredictionClass, PredictionFeature, PredictionTile, Review } from '../types.js';

/** Which records an export holds. */
export interface ExportFilter {
  /** Only records whose top class (tiles) or class (features) is this. */
  classIndex?: number;
  /** Only records scoring at least this (a tile's top score, a feature's score). */
  threshold?: number;
  /** Only reviewed records. */
  reviewedOnly?: boolean;
  /** Invalid records of a binary model take the other class as label; those of a multi-class model are dropped. */
  flipInvalid?: boolean;
  /** Tiles (default for classification) or features (default for detection and segmentation). */
  layer?: 'tiles' | 'features';
}

/** A GeoJSON Feature (RFC 7946: lng/lat coordinates). */
export interface GeoJSONFeature {
  type: 'Feature';
  id: string | number;
  geometry: { type: string; coordinates: unknown };
  properties: Record<string, unknown>;
}

/** The SQL type of a property column, for typed CSV readers and the Parquet schema. */
export type ColumnType = 'INTEGER' | 'BIGINT' | 'DOUBLE' | 'VARCHAR';

/** One property column of an export, in order. */
export interface ExportColumn {
  name: string;
  type: ColumnType;
}

/** An export worked out: the prediction, the layer, the checked filter and the property columns. */
export interface ExportPlan {
  prediction: Prediction;
  layer: 'tiles' | 'features';
  filter: ExportFilter;
  columns: ExportColumn[];
  /** Per class index, its `score_<name>` column name (tiles). */
  scoreColumns: string[];
}

/** Rows read from the store per query. */
export const PAGE_SIZE = 1000;

/** The review a record carries and the label it comes to. */
interface Reviewed {
  review: Review | null;
  label: number | null;
}

/** A done tile with its review and label. */
export interface TileRecord extends Reviewed {
  tile: PredictionTile;
}

/** A feature with its review and label. */
export interface FeatureRecord extends Reviewed {
  feature: PredictionFeature;
}

/** The label a review makes of a record predicted `predicted`, or 'drop' when flipInvalid leaves no label to give. */
export function labelAfterReview(classes: PredictionClass[], predicted: number, review: Review | null, flipInvalid: boolean): number | null | 'drop' {
  if (!review) return predicted;
  const judged = review.classIndex ?? predicted;
  if (review.valid) return judged;
  if (!flipInvalid) return null;
  if (classes.length !== 2) return 'drop';
  return classes.find((c) => c.index !== judged)?.index ?? 'drop';
}

/** Column names `score_<class>`, numbered where two classes share a name. */
function scoreColumnNames(classes: PredictionClass[]): string[] {
  const names = classes.map((c) => `score_${c.name}`);
  return names.map((name, i) => (names.indexOf(name) !== names.lastIndexOf(name) ? `${name}_${classes[i].index}` : name));
}

const REVIEW_COLUMNS: ExportColumn[] = [
  { name: 'review', type: 'VARCHAR' },
  { name: 'reviewer', type: 'VARCHAR' },
  { name: 'reviewed_at', type: 'VARCHAR' },
  { name: 'label', type: 'INTEGER' },
];

/** Checks the filter against the prediction and decides the layer and columns. */
export async function planExport(store: PredictStore, predictionId: string, filter: ExportFilter = {}): Promise<ExportPlan> {
  const prediction = await store.getPrediction(predictionId);
  const { classIndex, threshold, reviewedOnly, flipInvalid, layer } = filter;
  if (classIndex !== undefined && !prediction.classes.some((c) => c.index === classIndex)) {
    throw invalidParameter(`class ${JSON.stringify(classIndex)} is not one of the model's classes (${prediction.classes.map((c) => `${c.index} ${c.name}`).join(', ')})`);
  }
  if (threshold !== undefined && !(typeof threshold === 'number' && Number.isFinite(threshold))) throw invalidParameter(`threshold must be a number, got ${JSON.stringify(threshold)}`);
  for (const [name, value] of [['reviewedOnly', reviewedOnly], ['flipInvalid', flipInvalid]] as const) {
    if (value !== undefined && typeof value !== 'boolean') throw invalidParameter(`${name} must be true or false, got ${JSON.stringify(value)}`);
  }
  if (layer !== undefined && layer !== 'tiles' && layer !== 'features') throw invalidParameter(`layer must be tiles or features, got ${JSON.stringify(layer)}`);
  const chosen = layer ?? (prediction.task === 'classification' ? 'tiles' : 'features');
  const scoreColumns = scoreColumnNames(prediction.classes);
  const columns: ExportColumn[] =
    chosen === 'tiles'
      ? [
          { name: 'quadkey', type: 'VARCHAR' },
          { name: 'z', type: 'INTEGER' },
          { name: 'x', type: 'INTEGER' },
          { name: 'y', type: 'INTEGER' },
          { name: 'class', type: 'INTEGER' },
          { name: 'class_name', type: 'VARCHAR' },
          { name: 'score', type: 'DOUBLE' },
          ...scoreColumns.map((name) => ({ name, type: 'DOUBLE' as const })),
          ...REVIEW_COLUMNS,
        ]
      : [
          { name: 'id', type: 'BIGINT' },
          { name: 'class', type: 'INTEGER' },
          { name: 'class_name', type: 'VARCHAR' },
          { name: 'score', type: 'DOUBLE' },
          { name: 'quadkey', type: 'VARCHAR' },
          ...REVIEW_COLUMNS,
        ];
  return { prediction, layer: chosen, filter: { ...filter, layer: chosen }, columns, scoreColumns };
}

/** Pages of done tiles that pass the filter, by quadkey, with their reviews and labels. */
export async function* tileRecords(store: PredictStore, plan: ExportPlan): AsyncGenerator<TileRecord[]> {
  const { prediction, filter } = plan;
  // Reviews are far fewer than tiles (people make them), so one map of the latest per tile is held.
  const reviews = await store.tileReviews(prediction.id);
  for (let offset = 0; ; offset += PAGE_SIZE) {
    const page = await store.listTiles(prediction.id, { status: 'done', limit: PAGE_SIZE, offset });
    const out: TileRecord[] = [];
    for (const tile of page) {
      if (tile.topClass === null) continue;
      if (filter.classIndex !== undefined && tile.topClass !== filter.classIndex) continue;
      if (filter.threshold !== undefined && !((tile.topScore ?? -Infinity) >= filter.threshold)) continue;
      const review = reviews.get(tile.quadkey) ?? null;
      if (filter.reviewedOnly && !review) continue;
      const label = labelAfterReview(prediction.classes, tile.topClass, review, filter.flipInvalid ?? false);
      if (label === 'drop') continue;
      out.push({ tile, review, label });
    }
    if (out.length) yield out;
    if (page.length < PAGE_SIZE) return;
  }
}

/** Pages of features that pass the filter, by id, with their reviews and labels. */
export async function* featureRecords(store: PredictStore, plan: ExportPlan): AsyncGenerator<FeatureRecord[]> {
  const { prediction, filter } = plan;
  const reviews = new Map<string, Review>();
  for (const review of (await store.latestReviews(prediction.id)).values()) {
    if (review.target !== 'feature') continue;
    const previous = reviews.get(review.targetId);
    if (!previous || previous.id < review.id) reviews.set(review.targetId, review);
  }
  let after = 0;
  for (;;) {
    // Keyset paging by feature id: no offset to re-scan, and features merged away meanwhile cannot shift a page.
    const page = await store.listFeaturesAfter(prediction.id, after, PAGE_SIZE, { classIndex: filter.classIndex, minScore: filter.threshold });
    const out: FeatureRecord[] = [];
    for (const feature of page) {
      const review = reviews.get(String(feature.id)) ?? null;
      if (filter.reviewedOnly && !review) continue;
      const label = labelAfterReview(prediction.classes, feature.classIndex, review, filter.flipInvalid ?? false);
      if (label === 'drop') continue;
      out.push({ feature, review, label });
    }
    if (out.length) yield out;
    if (page.length < PAGE_SIZE) return;
    after = page[page.length - 1].id;
  }
}

function reviewProperties(record: Reviewed): Record<string, unknown> {
  const { review, label } = record;
  return {
    review: review ? (review.valid ? 'valid' : 'invalid') : 'unreviewed',
    reviewer: review?.reviewer ?? null,
    reviewed_at: review ? new Date(review.created).toISOString() : null,
    label,
  };
}

function className(prediction: Prediction, index: number | null): string | null {
  return prediction.classes.find((c) => c.index === index)?.name ?? null;
}

/** A tile record as a GeoJSON Feature: the tile's square, its scores, review and label. */
export function tileRecordFeature(plan: ExportPlan, record: TileRecord): GeoJSONFeature {
  const { tile } = record;
  const properties: Record<string, unknown> = {
    quadkey: tile.quadkey,
    z: tile.z,
    x: tile.x,
    y: tile.y,
    class: tile.topClass,
    class_name: className(plan.prediction, tile.topClass),
    score: tile.topScore,
  };
  plan.prediction.classes.forEach((_, i) => (properties[plan.scoreColumns[i]] = tile.scores?.[i] ?? null));
  return { type: 'Feature', id: tile.quadkey, geometry: tileFeature(tile).geometry, properties: { ...properties, ...reviewProperties(record) } };
}

/** A feature record as a GeoJSON Feature. */
export function featureRecordFeature(plan: ExportPlan, record: FeatureRecord): GeoJSONFeature {
  const { feature } = record;
  return {
    type: 'Feature',
    id: feature.id,
    geometry: feature.geometry,
    properties: {
      id: feature.id,
      class: feature.classIndex,
      class_name: className(plan.prediction, feature.classIndex),
      score: feature.score,
      quadkey: feature.quadkey,
      ...reviewProperties(record),
    },
  };
}

/** Pages of the plan's records as GeoJSON Features. */
export async function* featurePages(store: PredictStore, plan: ExportPlan): AsyncGenerator<GeoJSONFeature[]> {
  if (plan.layer === 'tiles') {
    for await (const page of tileRecords(store, plan)) yield page.map((r) => tileRecordFeature(plan, r));
  } else {
    for await (const page of featureRecords(store, plan)) yield page.map((r) => featureRecordFeature(plan, r));
  }
}
