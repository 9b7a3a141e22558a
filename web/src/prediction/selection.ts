/**
 * What the reviewer has selected on the prediction map: a prediction tile, or one feature (a detected
 * box) inside it. Reviews made in this browser are kept by target key, `tile:<quadkey>` or
 * `feature:<id>`, the two kinds of target the server's reviews take.
 */

/** A selected tile, or a feature of it when `featureId` is set. */
export interface Selection {
  quadkey: string;
  featureId: string | null;
}

/** What a review is about. */
export interface ReviewTarget {
  target: 'tile' | 'feature';
  targetId: string;
}

/** The target a selection reviews: its feature if one is selected, else its tile. */
export function selectionTarget(selection: Selection): ReviewTarget {
  return selection.featureId === null ? { target: 'tile', targetId: selection.quadkey } : { target: 'feature', targetId: selection.featureId };
}

/** The key of a review target in this browser's reviews. */
export function targetKey(target: ReviewTarget): string {
  return `${target.target}:${target.targetId}`;
}

/** A target key split back into its kind and id. */
export function parseTargetKey(key: string): ReviewTarget {
  const colon = key.indexOf(':');
  return { target: key.slice(0, colon) as ReviewTarget['target'], targetId: key.slice(colon + 1) };
}

/** The selection the URL's `tile` and `feature` parameters name, or null. */
export function readSelection(quadkey: string | null, feature: string | null): Selection | null {
  if (!quadkey || !/^[0-3]{1,30}$/.test(quadkey)) return null;
  return { quadkey, featureId: feature !== null && /^\d+$/.test(feature) ? feature : null };
}

/** The URL parameters of a selection (null clears both). */
export function selectionParams(selection: Selection | null): Record<string, string | null> {
  return { tile: selection?.quadkey ?? null, feature: selection?.featureId ?? null };
}
