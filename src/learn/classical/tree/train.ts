/**
 * Fits one tree on prepared training data: picks the criterion and the splitter (exact on float32
 * columns, or histogram on binned columns) and grows the tree. Decision trees call it once; forests
 * call it per tree, on the main thread or in a worker, with bootstrap counts as sample weights.
 */
import type { BinnedColumns } from './binning.js';
import { growTree, type GrownTree, type TreeLimits } from './builder.js';
import { ClassificationCriterion, RegressionCriterion } from './criterion.js';
import { histogramSplitter } from './histogram-splitter.js';
import type { TreeCriterion } from './params.js';
import { ExactSplitter, type SplitterOptions } from './splitter.js';

/** Training data in the layouts the splitters read. */
export type TreeData = {
  nRows: number;
  nFeatures: number;
  /** X as float32 columns (exact splitting) or binned columns (histogram splitting). */
  features: { kind: 'exact'; columns: Float32Array } | { kind: 'binned'; binned: BinnedColumns };
} & ({ task: 'classification'; y: Int32Array; nClasses: number } | { task: 'regression'; y: Float64Array });

/** How to grow one tree, resolved for the training set. */
export interface TreeGrowth {
  criterion: TreeCriterion;
  limits: TreeLimits;
  maxFeatures: number;
}

/** Grows one tree on `data` with per-sample `weights` (1 each, or bootstrap counts). */
export function trainTree(data: TreeData, weights: Float64Array, growth: TreeGrowth, random: SplitterOptions['random']): GrownTree {
  const options: SplitterOptions = { maxFeatures: growth.maxFeatures, minSamplesLeaf: growth.limits.minSamplesLeaf, minWeightLeaf: growth.limits.minWeightLeaf, random };
  const features = data.features;
  const nValues = data.task === 'classification' ? data.nClasses : 1;
  if (features.kind === 'binned') {
    const target = data.task === 'classification' ? { task: data.task, y: data.y, nClasses: data.nClasses, entropy: growth.criterion !== 'gini' } : data;
    return growTree(histogramSplitter(target, features.binned, data.nRows, weights, options), growth.limits, nValues);
  }
  const criterion = data.task === 'classification' ? new ClassificationCriterion(data.y, weights, data.nClasses, growth.criterion !== 'gini') : new RegressionCriterion(data.y, weights);
  const splitter = new ExactSplitter(criterion, features.columns, data.nRows, weights, data.nFeatures, options);
  return growTree(splitter, growth.limits, nValues);
}
