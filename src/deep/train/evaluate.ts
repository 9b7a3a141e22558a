/** Runs a model over a split of a chip dataset: mean loss, confusion matrix and metrics. */
import type { ChipDataset } from '../../data/datasets/dataset.js';
import type { LoaderOptions, } from '../../data/datasets/loader.js';
import type { SplitName } from '../../data/datasets/format.js';
import type { NativeModel } from '../engine/torch.js';
import { accumulate, classificationMetrics, emptyMatrix, type ClassificationMetrics, type ConfusionMatrix } from './metrics.js';

export interface Evaluation {
  loss: number;
  metrics: ClassificationMetrics;
  confusion: ConfusionMatrix;
  /** Chips evaluated. */
  chips: number;
}

/** Evaluates `model` on the chips of `split` (no augmentation, fixed order). */
export async function evaluateSplit(
  model: NativeModel,
  dataset: ChipDataset,
  options: { split: SplitName; batchSize: number; normalize: LoaderOptions['normalize']; classes: number },
): Promise<Evaluation> {
  const confusion = emptyMatrix(options.classes);
  let lossSum = 0;
  let chips = 0;
  for await (const batch of dataset.loader({ split: options.split, batchSize: options.batchSize, shuffle: false, normalize: options.normalize, prefetch: 2 })) {
    const result = await model.evaluate(batch.x, batch.shape, batch.y, batch.yShape);
    const n = batch.shape[0];
    lossSum += result.loss * n;
    chips += n;
    accumulate(confusion, batch.y, result.predicted);
  }
  return { loss: chips ? lossSum / chips : NaN, metrics: classificationMetrics(confusion), confusion, chips };
}
