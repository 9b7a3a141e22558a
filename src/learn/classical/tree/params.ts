/**
 * The tree hyper-parameters that decision trees and random forests share, by scikit-learn's names and
 * with its defaults, and their resolution against a training set (fractions to counts, `sqrt` to a
 * feature count).
 *
 * JavaScript has one number type, so scikit-learn's int-versus-float distinction is drawn by value:
 * for `min_samples_split` and `max_features` a value up to 1 is a fraction (1 means 1.0: all samples,
 * all features, as the regression forest's default `max_features=1.0` does) and a whole number above
 * 1 is a count; for `min_samples_leaf` a value below 1 is a fraction and a whole number a count.
 */
import { invalidParameter } from '../../../core/errors.js';
import { choiceParam, numberParam, type Params } from '../estimator.js';
import type { TreeLimits } from './builder.js';

/** Split criteria by task. */
export const CLASSIFICATION_CRITERIA = ['gini', 'entropy', 'log_loss'] as const;
export const REGRESSION_CRITERIA = ['squared_error'] as const;
/** One of the split criteria. */
export type TreeCriterion = (typeof CLASSIFICATION_CRITERIA)[number] | (typeof REGRESSION_CRITERIA)[number];

/** Hyper-parameter names every tree takes. */
export const TREE_PARAM_NAMES = ['criterion', 'max_depth', 'min_samples_split', 'min_samples_leaf', 'min_weight_fraction_leaf', 'min_impurity_decrease', 'max_features', 'max_leaf_nodes', 'random_state'] as const;

/** `max_features` as given: all (null), a rule, or a count or fraction. */
export type MaxFeatures = 'sqrt' | 'log2' | number | null;

/** Tree hyper-parameters, checked but not yet resolved against data. */
export interface TreeSettings {
  criterion: TreeCriterion;
  maxDepth: number | null;
  minSamplesSplit: number;
  minSamplesLeaf: number;
  minWeightFractionLeaf: number;
  minImpurityDecrease: number;
  maxFeatures: MaxFeatures;
  maxLeafNodes: number | null;
  randomState: number;
}

/** Reads and checks the tree hyper-parameters; `filled` gets each one's value, defaults included. */
export function readTreeSettings(params: Params, task: 'classification' | 'regression', defaultMaxFeatures: MaxFeatures, filled: Params): TreeSettings {
  const criterion = task === 'classification' ? choiceParam(params, 'criterion', 'gini', CLASSIFICATION_CRITERIA) : choiceParam(params, 'criterion', 'squared_error', REGRESSION_CRITERIA);
  const maxDepth = nullableInteger(params, 'max_depth', 1);
  const minSamplesSplit = numberParam(params, 'min_samples_split', 2, (v) => (v > 0 && v <= 1) || (Number.isInteger(v) && v >= 2), 'a whole number >= 2 or a fraction in (0, 1]');
  const minSamplesLeaf = numberParam(params, 'min_samples_leaf', 1, (v) => (v > 0 && v < 1) || (Number.isInteger(v) && v >= 1), 'a whole number >= 1 or a fraction in (0, 1)');
  const minWeightFractionLeaf = numberParam(params, 'min_weight_fraction_leaf', 0, (v) => v >= 0 && v <= 0.5, 'a fraction in [0, 0.5]');
  const minImpurityDecrease = numberParam(params, 'min_impurity_decrease', 0, (v) => v >= 0, 'a number >= 0');
  const maxFeatures = readMaxFeatures(params, defaultMaxFeatures);
  const maxLeafNodes = nullableInteger(params, 'max_leaf_nodes', 2);
  const randomState = numberParam(params, 'random_state', 0, (v) => Number.isInteger(v) && v >= 0 && v <= 0xffffffff, 'a whole number in [0, 2^32 - 1] (the seed)');
  Object.assign(filled, {
    criterion,
    max_depth: maxDepth,
    min_samples_split: minSamplesSplit,
    min_samples_leaf: minSamplesLeaf,
    min_weight_fraction_leaf: minWeightFractionLeaf,
    min_impurity_decrease: minImpurityDecrease,
    max_features: maxFeatures,
    max_leaf_nodes: maxLeafNodes,
    random_state: randomState,
  });
  return { criterion, maxDepth, minSamplesSplit, minSamplesLeaf, minWeightFractionLeaf, minImpurityDecrease, maxFeatures, maxLeafNodes, randomState };
}

function nullableInteger(params: Params, name: string, min: number): number | null {
  const value = params[name] ?? null;
  if (value === null) return null;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) throw invalidParameter(`${name} must be null or a whole number >= ${min}, got ${JSON.stringify(value)}`);
  return value;
}

function readMaxFeatures(params: Params, fallback: MaxFeatures): MaxFeatures {
  // null is a value here (all features), not "use the default".
  const value = params.max_features === undefined ? fallback : params.max_features;
  if (value === null || value === 'sqrt' || value === 'log2') return value;
  if (typeof value === 'number' && Number.isFinite(value) && ((value > 0 && value <= 1) || (Number.isInteger(value) && value >= 2))) return value;
  throw invalidParameter(`max_features must be null, "sqrt", "log2", a whole number >= 2 or a fraction in (0, 1], got ${JSON.stringify(value)}`);
}

/** The number of features each split draws, for `nFeatures` features (scikit-learn's `max_features_`). */
export function resolveMaxFeatures(spec: MaxFeatures, nFeatures: number): number {
  if (spec === null) return nFeatures;
  if (spec === 'sqrt') return Math.max(1, Math.floor(Math.sqrt(nFeatures)));
  if (spec === 'log2') return Math.max(1, Math.floor(Math.log2(nFeatures)));
  if (spec <= 1) return Math.max(1, Math.floor(spec * nFeatures));
  if (spec > nFeatures) throw invalidParameter(`max_features is ${spec} but X has only ${nFeatures} features`);
  return spec;
}

/** The stopping rules for a training set of `nSamples` rows with total sample weight `totalWeight`. */
export function resolveLimits(settings: TreeSettings, nSamples: number, totalWeight: number): TreeLimits {
  const minSamplesLeaf = settings.minSamplesLeaf < 1 ? Math.ceil(settings.minSamplesLeaf * nSamples) : settings.minSamplesLeaf;
  let minSamplesSplit = settings.minSamplesSplit <= 1 ? Math.max(2, Math.ceil(settings.minSamplesSplit * nSamples)) : settings.minSamplesSplit;
  minSamplesSplit = Math.max(minSamplesSplit, 2 * minSamplesLeaf);
  return {
    // scikit-learn's "no limit" is the largest int32.
    maxDepth: settings.maxDepth ?? 2147483647,
    minSamplesSplit,
    minSamplesLeaf,
    minWeightLeaf: settings.minWeightFractionLeaf * totalWeight,
    minImpurityDecrease: settings.minImpurityDecrease,
    maxLeafNodes: settings.maxLeafNodes,
  };
}
