/**
 * Scores of predictions against truth, with scikit-learn's definitions so figures carry over:
 * classification (accuracy, balanced accuracy, precision / recall / F1 per class, macro and weighted,
 * Cohen's kappa, confusion matrix, ROC AUC one-vs-rest) and regression (RMSE, MAE, R2).
 * A score that is undefined for the input (ROC AUC with one class present, R2 of a constant truth)
 * is reported as null with the reason, never as NaN.
 */
import { invalidParameter } from '../../core/errors.js';

/** Rows are true classes, columns predicted classes (scikit-learn's `confusion_matrix` layout). */
export type ConfusionMatrix = number[][];

/** Precision, recall, F1 and support of one class. */
export interface ClassScores {
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

/** Every classification score tileflow reports for a fold or a test set. */
export interface ClassificationReport {
  accuracy: number;
  balanced_accuracy: number;
  precision_macro: number;
  recall_macro: number;
  f1_macro: number;
  precision_weighted: number;
  recall_weighted: number;
  f1_weighted: number;
  kappa: number;
  /** One-vs-rest macro ROC AUC from probabilities; null when no probabilities or fewer than two classes present. */
  roc_auc: number | null;
  per_class: ClassScores[];
  confusion_matrix: ConfusionMatrix;
}

/** Every regression score tileflow reports. */
export interface RegressionReport {
  rmse: number;
  mae: number;
  /** Null when the truth is constant (R2 undefined). */
  r2: number | null;
}

function checkLengths(a: ArrayLike<number>, b: ArrayLike<number>, what: string): void {
  if (a.length !== b.length) throw invalidParameter(`${what}: ${a.length} true values but ${b.length} predictions`);
  if (a.length === 0) throw invalidParameter(`${what}: no samples to score`);
}

/** The k x k confusion matrix of class indices (k = `classes` or the largest index + 1). */
export function confusionMatrix(truth: ArrayLike<number>, predicted: ArrayLike<number>, classes?: number): ConfusionMatrix {
  checkLengths(truth, predicted, 'confusion matrix');
  let k = classes ?? 0;
  if (classes === undefined) for (let i = 0; i < truth.length; i++) k = Math.max(k, truth[i] + 1, predicted[i] + 1);
  const matrix = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  for (let i = 0; i < truth.length; i++) {
    const t = truth[i];
    const p = predicted[i];
    if (!(t >= 0 && t < k && p >= 0 && p < k)) throw invalidParameter(`sample ${i}: class ${t} or prediction ${p} is outside 0..${k - 1}`);
    matrix[t][p] += 1;
  }
  return matrix;
}

/** Fraction of exact matches. */
export function accuracy(truth: ArrayLike<number>, predicted: ArrayLike<number>): number {
  checkLengths(truth, predicted, 'accuracy');
  let correct = 0;
  for (let i = 0; i < truth.length; i++) if (truth[i] === predicted[i]) correct++;
  return correct / truth.length;
}

/** Per-class precision, recall, F1 and support (zero_division = 0, as scikit-learn's default warns and uses). */
export function classScores(matrix: ConfusionMatrix): ClassScores[] {
  const k = matrix.length;
  return matrix.map((row, c) => {
    const tp = row[c];
    let predicted = 0;
    for (let j = 0; j < k; j++) predicted += matrix[j][c];
    const support = row.reduce((a, b) => a + b, 0);
    const precision = predicted ? tp / predicted : 0;
    const recall = support ? tp / support : 0;
    const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
    return { precision, recall, f1, support };
  });
}

/** Cohen's kappa: agreement corrected for chance, from a confusion matrix. */
export function cohenKappa(matrix: ConfusionMatrix): number {
  const k = matrix.length;
  let n = 0;
  let observed = 0;
  const rows = new Array<number>(k).fill(0);
  const cols = new Array<number>(k).fill(0);
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      n += matrix[i][j];
      rows[i] += matrix[i][j];
      cols[j] += matrix[i][j];
    }
    observed += matrix[i][i];
  }
  let expected = 0;
  for (let i = 0; i < k; i++) expected += (rows[i] * cols[i]) / (n * n);
  const po = observed / n;
  // All predictions and truths in one class: scikit-learn returns NaN; agreement is then perfect by construction.
  return expected === 1 ? 1 : (po - expected) / (1 - expected);
}

/** Area under the ROC curve of scores for a binary truth (1 = positive), ties counted half (Mann-Whitney). */
export function binaryRocAuc(positive: ArrayLike<boolean>, scores: ArrayLike<number>): number | null {
  const n = scores.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a] - scores[b]);
  let positives = 0;
  let rankSum = 0;
  // Average ranks over tied scores.
  for (let start = 0; start < n; ) {
    let end = start;
    while (end + 1 < n && scores[order[end + 1]] === scores[order[start]]) end++;
    const rank = (start + end) / 2 + 1;
    for (let i = start; i <= end; i++) {
      if (positive[order[i]]) {
        positives++;
        rankSum += rank;
      }
    }
    start = end + 1;
  }
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) return null;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/**
 * ROC AUC from class probabilities (rows x k): for two classes the AUC of class 1's column, otherwise
 * the unweighted mean of one-vs-rest AUCs over classes present in the truth (scikit-learn's
 * `roc_auc_score(multi_class='ovr', average='macro')`). Null when fewer than two classes are present.
 */
export function rocAuc(truth: ArrayLike<number>, probabilities: ArrayLike<number>, k: number): number | null {
  const n = truth.length;
  if (probabilities.length !== n * k) throw invalidParameter(`ROC AUC: ${n} samples need ${n * k} probabilities, got ${probabilities.length}`);
  const column = (c: number) => Float64Array.from({ length: n }, (_, i) => probabilities[i * k + c]);
  if (k === 2) return binaryRocAuc(Array.from({ length: n }, (_, i) => truth[i] === 1), column(1));
  const aucs: number[] = [];
  for (let c = 0; c < k; c++) {
    const auc = binaryRocAuc(Array.from({ length: n }, (_, i) => truth[i] === c), column(c));
    if (auc !== null) aucs.push(auc);
  }
  return aucs.length ? aucs.reduce((a, b) => a + b, 0) / aucs.length : null;
}

/** Every classification score of predictions (and, when given, probabilities rows x k) against truth. */
export function classificationReport(truth: ArrayLike<number>, predicted: ArrayLike<number>, k: number, probabilities?: ArrayLike<number>): ClassificationReport {
  const matrix = confusionMatrix(truth, predicted, k);
  const perClass = classScores(matrix);
  const n = truth.length;
  // Macro averages run over the labels present in truth or predictions, as scikit-learn's default `labels`.
  const present = perClass.map((s, c) => s.support > 0 || matrix.some((row) => row[c] > 0)).map((p, c) => (p ? c : -1)).filter((c) => c >= 0);
  const macro = (key: keyof ClassScores) => present.reduce((s, c) => s + perClass[c][key], 0) / present.length;
  const weighted = (key: keyof ClassScores) => perClass.reduce((s, c) => s + c[key] * c.support, 0) / n;
  const withSupport = perClass.filter((s) => s.support > 0);
  return {
    accuracy: accuracy(truth, predicted),
    balanced_accuracy: withSupport.reduce((s, c) => s + c.recall, 0) / withSupport.length,
    precision_macro: macro('precision'),
    recall_macro: macro('recall'),
    f1_macro: macro('f1'),
    precision_weighted: weighted('precision'),
    recall_weighted: weighted('recall'),
    f1_weighted: weighted('f1'),
    kappa: cohenKappa(matrix),
    roc_auc: probabilities ? rocAuc(truth, probabilities, k) : null,
    per_class: perClass,
    confusion_matrix: matrix,
  };
}

/** RMSE, MAE and R2 (coefficient of determination) of predictions against truth. */
export function regressionReport(truth: ArrayLike<number>, predicted: ArrayLike<number>): RegressionReport {
  checkLengths(truth, predicted, 'regression scores');
  const n = truth.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += truth[i] / n;
  let sse = 0;
  let sae = 0;
  let sst = 0;
  for (let i = 0; i < n; i++) {
    const e = truth[i] - predicted[i];
    sse += e * e;
    sae += Math.abs(e);
    sst += (truth[i] - mean) ** 2;
  }
  return { rmse: Math.sqrt(sse / n), mae: sae / n, r2: sst === 0 ? null : 1 - sse / sst };
}

/** The scalar scores of a report, by name (what cross-validation averages and tracking logs). */
export function scalarScores(report: ClassificationReport | RegressionReport): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  for (const [name, value] of Object.entries(report)) if (typeof value === 'number' || value === null) out[name] = value;
  return out;
}
