/**
 * How the prediction map draws results: sources and layers for MapLibre. Tiles fill with their top
 * class's colour; review colours follow ML Enabler's map (valid green, invalid white, unreviewed
 * red). A review made in this browser is a feature state, so its colour changes at once, before the
 * tiles reload from the server (whose `review` property says the same thing a moment later).
 */
import type { ExpressionSpecification, LayerSpecification } from 'maplibre-gl';
import type { PredictionClass, ReviewState } from '../api/predict';

export const IMAGERY_SOURCE = 'imagery';
export const RESULTS_SOURCE = 'results';
export const MASKS_SOURCE = 'masks';
export const AOI_SOURCE = 'aoi';

export const TILE_FILL = 'tiles-fill';
export const TILE_OUTLINE = 'tiles-outline';
export const FEATURE_FILL = 'features-fill';
export const FEATURE_OUTLINE = 'features-outline';
export const MASK_LAYER = 'masks';
export const AOI_LINE = 'aoi-line';

/** ML Enabler's review colours (src/predict/tiles/properties.ts on the server). */
export const REVIEW_COLORS: Record<ReviewState, string> = { valid: '#2ca02c', invalid: '#ffffff', unreviewed: '#d62728' };

/** The review state a tile shows: this browser's latest review, else the server's. */
const REVIEW: ExpressionSpecification = ['coalesce', ['feature-state', 'review'], ['get', 'review']];

/** The class colour of a result's top class. */
function classColor(classes: readonly PredictionClass[]): ExpressionSpecification | string {
  if (classes.length === 0) return '#1d6b94';
  const pairs = classes.flatMap((c) => [c.index, c.color]);
  return ['match', ['get', 'class'], ...pairs, '#888888'] as unknown as ExpressionSpecification;
}

/** Fill: the class colour, white once marked invalid (it reads as "cleared"). */
function tileFillColor(classes: readonly PredictionClass[]): ExpressionSpecification {
  return ['case', ['==', REVIEW, 'invalid'], REVIEW_COLORS.invalid, classColor(classes)] as ExpressionSpecification;
}

/** Outline: the review colour; the selected tile stands out in the map's ink colour. */
const OUTLINE_COLOR: ExpressionSpecification = [
  'case',
  ['boolean', ['feature-state', 'selected'], false],
  '#16384c',
  ['match', REVIEW, 'valid', REVIEW_COLORS.valid, 'invalid', '#9aa5ad', REVIEW_COLORS.unreviewed],
];

const OUTLINE_WIDTH: ExpressionSpecification = ['case', ['boolean', ['feature-state', 'selected'], false], 4, ['==', REVIEW, 'unreviewed'], 1, 2.5];

/** A feature's outline: its class colour until reviewed, then the review colour; the selected box in ink. */
function featureOutlineColor(classes: readonly PredictionClass[]): ExpressionSpecification {
  return [
    'case',
    ['boolean', ['feature-state', 'selected'], false],
    '#16384c',
    ['==', REVIEW, 'valid'],
    REVIEW_COLORS.valid,
    ['==', REVIEW, 'invalid'],
    '#9aa5ad',
    classColor(classes),
  ] as ExpressionSpecification;
}

const FEATURE_OUTLINE_WIDTH: ExpressionSpecification = ['case', ['boolean', ['feature-state', 'selected'], false], 4, ['==', REVIEW, 'unreviewed'], 1.5, 2.5];

/** The result layers over the imagery, with the fill's opacity from the slider. */
export function resultLayers(classes: readonly PredictionClass[], opacity: number, segmentation: boolean): LayerSpecification[] {
  const layers: LayerSpecification[] = [];
  if (segmentation) {
    layers.push({ id: MASK_LAYER, type: 'raster', source: MASKS_SOURCE, paint: { 'raster-opacity': opacity, 'raster-resampling': 'nearest' } });
  }
  layers.push(
    {
      id: TILE_FILL,
      type: 'fill',
      source: RESULTS_SOURCE,
      'source-layer': 'tiles',
      // A segmentation's masks show its classes; its tiles then only carry review colours.
      paint: { 'fill-color': tileFillColor(classes), 'fill-opacity': segmentation ? ['case', ['==', REVIEW, 'invalid'], opacity * 0.8, 0.01] : opacity * 0.8 },
    },
    { id: TILE_OUTLINE, type: 'line', source: RESULTS_SOURCE, 'source-layer': 'tiles', paint: { 'line-color': OUTLINE_COLOR, 'line-width': OUTLINE_WIDTH } },
    {
      id: FEATURE_FILL,
      type: 'fill',
      source: RESULTS_SOURCE,
      'source-layer': 'features',
      filter: ['!=', ['geometry-type'], 'LineString'],
      paint: { 'fill-color': tileFillColor(classes), 'fill-opacity': segmentation ? 0 : opacity * 0.35 },
    },
    {
      id: FEATURE_OUTLINE,
      type: 'line',
      source: RESULTS_SOURCE,
      'source-layer': 'features',
      paint: { 'line-color': featureOutlineColor(classes), 'line-width': FEATURE_OUTLINE_WIDTH, 'line-opacity': Math.max(opacity, 0.3) },
    },
    { id: AOI_LINE, type: 'line', source: AOI_SOURCE, paint: { 'line-color': '#16384c', 'line-width': 2, 'line-dasharray': [2, 2] } },
  );
  return layers;
}

/** The paint properties the opacity slider changes, layer by layer. */
export function opacityPaint(opacity: number, segmentation: boolean): [layer: string, property: string, value: unknown][] {
  const out: [string, string, unknown][] = [
    [TILE_FILL, 'fill-opacity', segmentation ? ['case', ['==', REVIEW, 'invalid'], opacity * 0.8, 0.01] : opacity * 0.8],
    [FEATURE_FILL, 'fill-opacity', segmentation ? 0 : opacity * 0.35],
    [FEATURE_OUTLINE, 'line-opacity', Math.max(opacity, 0.3)],
  ];
  if (segmentation) out.push([MASK_LAYER, 'raster-opacity', opacity]);
  return out;
}
