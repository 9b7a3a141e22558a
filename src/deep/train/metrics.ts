/** Classification metrics from a confusion matrix: accuracy, and precision, recall and F1 per class and macro-averaged. */

/** Rows are true classes, columns predicted classes. */
export type ConfusionMatrix = number[][];

/** Adds predictions to a confusion matrix; labels below zero (unlabelled, ignored pixels) are skipped. */
export function accumulate(matrix: ConfusionMatrix, actual: ArrayLike<number>, predicted: ArrayLike<number>): ConfusionMatrix {
  const k = matrix.length;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i];
    const p = predicted[i];
    if (a < 0 || a >= k || p < 0 || p >= k) continue;
    matrix[a][p] += 1;
  }
  return matrix;
}

/** An all-zero k × k matrix. */
export function emptyMatrix(k: number): ConfusionMatrix {
  return Array.from({ length: k }, () => new Array<number>(k).fill(0));
}

export interface ClassificationMetrics {
  accuracy: number;
  /** Macro averages over the classes that occur (true or predicted), as scikit-learn's with zero_division=0. */
  precision: number;
  recall: number;
  f1: number;
  perClass: { precision: number; recall: number; f1: number; support: number }[];
  count: number;
}

/** Metrics of a confusion matrix. */
export function classificationMetrics(matrix: ConfusionMatrix): ClassificationMetrics {
  const k = matrix.length;
  let correct = 0;
  let count = 0;
  const perClass: ClassificationMetrics['perClass'] = [];
  const present: number[] = [];
  for (let c = 0; c < k; c++) {
    const tp = matrix[c][c];
    let predicted = 0;
    let support = 0;
    for (let j = 0; j < k; j++) {
      predicted += matrix[j][c];
      support += matrix[c][j];
    }
    correct += tp;
    count += support;
    const precision = predicted ? tp / predicted : 0;
    const recall = support ? tp / support : 0;
    const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
    perClass.push({ precision, recall, f1, support });
    if (support > 0 || predicted > 0) present.push(c);
  }
  const mean = (key: 'precision' | 'recall' | 'f1') => (present.length ? present.reduce((s, c) => s + perClass[c][key], 0) / present.length : 0);
  return { accuracy: count ? correct / count : 0, precision: mean('precision'), recall: mean('recall'), f1: mean('f1'), perClass, count };
}
