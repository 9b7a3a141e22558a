/**
 * The one registry of classical estimators: short names (as the spot-check workflow abbreviates them:
 * lr, lda, knn, cart, nb, svm, rf, gbt) to classes, for classification and regression, and the way
 * back from a serialized model.
 */
import { invalidParameter } from '../../core/errors.js';
import { DecisionTreeClassifier, DecisionTreeRegressor } from './decision-tree.js';
import type { Estimator, Params, SerializedEstimator } from './estimator.js';
import { HistGradientBoostingClassifier, HistGradientBoostingRegressor } from './gradient-boosting.js';
import { KNeighborsClassifier } from './knn.js';
import { LinearDiscriminantAnalysis } from './lda.js';
import { LogisticRegression } from './logistic-regression.js';
import { GaussianNB } from './naive-bayes.js';
import { RandomForestClassifier, RandomForestRegressor } from './random-forest.js';
import { SVC } from './svm.js';

interface Entry {
  /** What the name stands for, for help texts. */
  title: string;
  classification?: { create(params: Params): Estimator; fromJSON(json: SerializedEstimator): Estimator };
  regression?: { create(params: Params): Estimator; fromJSON(json: SerializedEstimator): Estimator };
}

const REGISTRY: Record<string, Entry> = {
  lr: { title: 'logistic regression', classification: { create: (p) => new LogisticRegression(p), fromJSON: (j) => LogisticRegression.fromJSON(j) } },
  lda: { title: 'linear discriminant analysis', classification: { create: (p) => new LinearDiscriminantAnalysis(p), fromJSON: (j) => LinearDiscriminantAnalysis.fromJSON(j) } },
  knn: { title: 'k-nearest neighbours', classification: { create: (p) => new KNeighborsClassifier(p), fromJSON: (j) => KNeighborsClassifier.fromJSON(j) } },
  cart: {
    title: 'CART decision tree',
    classification: { create: (p) => new DecisionTreeClassifier(p), fromJSON: (j) => DecisionTreeClassifier.fromJSON(j) },
    regression: { create: (p) => new DecisionTreeRegressor(p), fromJSON: (j) => DecisionTreeRegressor.fromJSON(j) },
  },
  nb: { title: 'Gaussian naive Bayes', classification: { create: (p) => new GaussianNB(p), fromJSON: (j) => GaussianNB.fromJSON(j) } },
  svm: { title: 'support vector machine', classification: { create: (p) => new SVC(p), fromJSON: (j) => SVC.fromJSON(j) } },
  rf: {
    title: 'random forest',
    classification: { create: (p) => new RandomForestClassifier(p), fromJSON: (j) => RandomForestClassifier.fromJSON(j) },
    regression: { create: (p) => new RandomForestRegressor(p), fromJSON: (j) => RandomForestRegressor.fromJSON(j) },
  },
  gbt: {
    title: 'histogram gradient boosting',
    classification: { create: (p) => new HistGradientBoostingClassifier(p), fromJSON: (j) => HistGradientBoostingClassifier.fromJSON(j) },
    regression: { create: (p) => new HistGradientBoostingRegressor(p), fromJSON: (j) => HistGradientBoostingRegressor.fromJSON(j) },
  },
};

/** Every registered short name, in the spot-check order. */
export const ESTIMATOR_KINDS = Object.keys(REGISTRY);

/** The short names that handle a task. */
export function kindsFor(task: 'classification' | 'regression'): string[] {
  return ESTIMATOR_KINDS.filter((kind) => REGISTRY[kind][task]);
}

/** A one-line description of a short name. */
export function estimatorTitle(kind: string): string {
  return REGISTRY[kind]?.title ?? kind;
}

function entryFor(kind: string, task: 'classification' | 'regression') {
  const entry = REGISTRY[kind];
  if (!entry) throw invalidParameter(`unknown model ${JSON.stringify(kind)}; known: ${ESTIMATOR_KINDS.join(', ')}`);
  const forTask = entry[task];
  if (!forTask) throw invalidParameter(`${kind} (${entry.title}) does not do ${task}; for ${task} use ${kindsFor(task).join(', ')}`);
  return forTask;
}

/** A new, unfitted estimator of a kind for a task, with scikit-learn-named hyper-parameters. */
export function createEstimator(kind: string, task: 'classification' | 'regression', params: Params = {}): Estimator {
  return entryFor(kind, task).create(params);
}

/** A fitted estimator back from its JSON form (`toJSON()`), refusing what is not one. */
export function loadEstimator(json: unknown): Estimator {
  const candidate = json as Partial<SerializedEstimator> | null;
  if (!candidate || typeof candidate !== 'object' || typeof candidate.kind !== 'string' || (candidate.task !== 'classification' && candidate.task !== 'regression') || typeof candidate.state !== 'object') {
    throw invalidParameter('not a serialized tileflow estimator: expected an object with kind, task, params and state');
  }
  return entryFor(candidate.kind, candidate.task).fromJSON(candidate as SerializedEstimator);
}
