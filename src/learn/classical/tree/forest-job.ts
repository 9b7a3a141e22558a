/**
 * One random-forest fit as a job that any thread can take a tree of: the training data (typed arrays,
 * on SharedArrayBuffers when workers share them), how trees grow, and each tree's seed. Tree t
 * depends only on the job and t (its bootstrap and feature order come from seed t, as in
 * scikit-learn), so a forest is the same whichever thread grew which tree.
 */
import type { GrownTree } from './builder.js';
import { bootstrapCounts, TreeRandom } from './sklearn-random.js';
import { trainTree, type TreeData, type TreeGrowth } from './train.js';

/** Everything needed to grow any tree of a forest; structured-cloneable. */
export interface ForestJob {
  data: TreeData;
  growth: TreeGrowth;
  /** The random_state of each tree, in order (scikit-learn's per-tree seeds). */
  seeds: number[];
  bootstrap: boolean;
  /** Draws per bootstrap sample (`max_samples` resolved). */
  nBootstrap: number;
}

/** The sample weights tree t is fitted with: bootstrap counts, or 1 each without bootstrap. */
export function treeWeights(job: ForestJob, t: number): Float64Array {
  return job.bootstrap ? bootstrapCounts(job.seeds[t], job.data.nRows, job.nBootstrap) : new Float64Array(job.data.nRows).fill(1);
}

/** Grows tree t of the forest. */
export function growForestTree(job: ForestJob, t: number): GrownTree {
  return trainTree(job.data, treeWeights(job, t), job.growth, new TreeRandom(job.seeds[t]));
}
