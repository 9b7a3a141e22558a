/**
 * The properties that map tiles and GeoJSON give a prediction tile, an aggregated tile or a feature,
 * with the review colours of ML Enabler's map: valid green, invalid white, not yet reviewed red.
 */
import type { PredictStore } from '../store/predict-store.js';
import type { Prediction, PredictionFeature, PredictionTile, Review } from '../types.js';
import type { QuadkeyAggregate } from './aggregate.js';

/** Where review of a tile or feature stands. */
export type ReviewState = 'valid' | 'invalid' | 'unreviewed';

/** ML Enabler's colours of review states. */
export const REVIEW_COLORS: Record<ReviewState, string> = { valid: '#2ca02c', invalid: '#ffffff', unreviewed: '#d62728' };

/** Property names of every result; a class named like one of them gets its score under `score_<name>`. */
const FIXED_PROPERTIES = new Set(['quadkey', 'class', 'class_name', 'score', 'review', 'color', 'count', 'reviewed', 'valid', 'id']);

/** The property that holds a class's score. */
export function classScoreProperty(name: string): string {
  return FIXED_PROPERTIES.has(name) ? `score_${name}` : name;
}

/** The review state of a target from its latest review. */
export function reviewState(review: Review | undefined): ReviewState {
  return review === undefined ? 'unreviewed' : review.valid ? 'valid' : 'invalid';
}

function className(prediction: Prediction, index: number): string {
  return prediction.classes.find((c) => c.index === index)?.name ?? String(index);
}

function classScores(prediction: Prediction, scores: number[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of prediction.classes) out[classScoreProperty(c.name)] = scores[c.index] ?? 0;
  return out;
}

/** Properties of one done prediction tile. */
export function tileProperties(prediction: Prediction, tile: PredictionTile, review: Review | undefined): Record<string, string | number> {
  const state = reviewState(review);
  return {
    ...classScores(prediction, tile.scores ?? []),
    quadkey: tile.quadkey,
    class: tile.topClass ?? 0,
    class_name: className(prediction, tile.topClass ?? 0),
    score: tile.topScore ?? 0,
    review: state,
    color: REVIEW_COLORS[state],
  };
}

/**
 * Properties of an aggregated tile: mean scores, counts, and a review state that reads reviewed only once
 * every tile under it is (then valid when all of them are valid), so red marks work left to do.
 */
export function aggregateProperties(prediction: Prediction, group: QuadkeyAggregate): Record<string, string | number> {
  const state: ReviewState = group.reviewed < group.count ? 'unreviewed' : group.valid === group.count ? 'valid' : 'invalid';
  return {
    ...classScores(prediction, group.meanScores),
    quadkey: group.quadkey,
    class: group.topClass,
    class_name: className(prediction, group.topClass),
    score: group.meanScores[group.topClass] ?? 0,
    count: group.count,
    reviewed: group.reviewed,
    valid: group.valid,
    review: state,
    color: REVIEW_COLORS[state],
  };
}

/** Properties of a feature (a box or a polygon). */
export function featureProperties(prediction: Prediction, feature: PredictionFeature, review: Review | undefined): Record<string, string | number> {
  const state = reviewState(review);
  return {
    id: feature.id,
    quadkey: feature.quadkey,
    class: feature.classIndex,
    class_name: className(prediction, feature.classIndex),
    score: feature.score,
    review: state,
    color: REVIEW_COLORS[state],
  };
}

/** Per feature id, its latest review (of any class). */
export async function featureReviews(store: PredictStore, predictionId: string): Promise<Map<string, Review>> {
  const byFeature = new Map<string, Review>();
  for (const review of (await store.latestReviews(predictionId)).values()) {
    if (review.target !== 'feature') continue;
    const previous = byFeature.get(review.targetId);
    if (!previous || previous.id < review.id) byFeature.set(review.targetId, review);
  }
  return byFeature;
}
