/**
 * Reviewing a prediction: marking the selected tile or feature valid or invalid (shown at once, sent
 * to the server, undone if the server refuses), walking the active-learning queue (most uncertain
 * unreviewed tiles first) and the keyboard shortcuts for both.
 */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useCallback, useEffect, useState } from 'react';
import { addReview, getReviewQueue, type ReviewState } from '../api/predict';
import { selectionTarget, targetKey, type ReviewTarget, type Selection } from './selection';

const REVIEWER_KEY = 'tileflow.reviewer';

/** The reviewer's name, remembered in this browser. */
export function useReviewer(): [string, (name: string) => void] {
  const [name, setName] = useState(() => localStorage.getItem(REVIEWER_KEY) ?? '');
  const set = useCallback((next: string) => {
    setName(next);
    localStorage.setItem(REVIEWER_KEY, next);
  }, []);
  return [name, set];
}

export interface ReviewControls {
  /** This browser's reviews by target key (`tile:<quadkey>`, `feature:<id>`; the map colours them at once). */
  reviews: ReadonlyMap<string, ReviewState>;
  /** Marks the selected feature, or else the selected tile. */
  mark: (valid: boolean) => void;
  /** Selects the most uncertain tile not reviewed yet. */
  next: () => void;
  pending: boolean;
  error: string | null;
  /** Said when the queue is empty. */
  note: string | null;
}

/** Review of one prediction, with `select` choosing (and focusing) a tile. */
export function useReview(options: {
  predictionId: string;
  selected: Selection | null;
  classFilter: number | undefined;
  reviewer: string;
  select: (selection: Selection | null, focus: boolean) => void;
}): ReviewControls {
  const { predictionId, selected, classFilter, reviewer, select } = options;
  const client = useQueryClient();
  const [reviews, setReviews] = useState<ReadonlyMap<string, ReviewState>>(new Map());
  const [error, setError] = useState<string | null>(null);
  const [note, setNote] = useState<string | null>(null);

  const setState = (key: string, state: ReviewState | undefined) =>
    setReviews((previous) => {
      const next = new Map(previous);
      if (state === undefined) next.delete(key);
      else next.set(key, state);
      return next;
    });

  const mutation = useMutation({
    mutationFn: (review: ReviewTarget & { valid: boolean; before: ReviewState | undefined }) =>
      addReview(predictionId, { target: review.target, targetId: review.targetId, valid: review.valid, reviewer: reviewer.trim() || 'web' }),
    onMutate: (review) => {
      setError(null);
      setState(targetKey(review), review.valid ? 'valid' : 'invalid');
    },
    onError: (failure, review) => {
      setState(targetKey(review), review.before);
      setError(`The review of ${review.target} ${review.targetId} was not saved: ${(failure as Error).message}`);
    },
    onSettled: () => {
      void client.invalidateQueries({ queryKey: ['review-statistics', predictionId] });
      void client.invalidateQueries({ queryKey: ['prediction-tile', predictionId] });
      void client.invalidateQueries({ queryKey: ['prediction-features', predictionId] });
    },
  });

  const mark = useCallback(
    (valid: boolean) => {
      if (!selected) return;
      const target = selectionTarget(selected);
      mutation.mutate({ ...target, valid, before: reviews.get(targetKey(target)) });
    },
    [selected, mutation, reviews],
  );

  const next = useCallback(() => {
    setNote(null);
    getReviewQueue(predictionId, { limit: 50, class: classFilter })
      .then((tiles) => {
        // Reviews still on their way may not have left the server's queue yet.
        const tile = tiles.find((t) => !reviews.has(targetKey({ target: 'tile', targetId: t.quadkey })) && t.quadkey !== selected?.quadkey);
        if (tile) select({ quadkey: tile.quadkey, featureId: null }, true);
        else setNote('Every tile has been reviewed.');
      })
      .catch((failure: Error) => setError(`Cannot read the review queue: ${failure.message}`));
  }, [predictionId, classFilter, reviews, selected, select]);

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const target = event.target as HTMLElement;
      if (event.ctrlKey || event.metaKey || event.altKey || target.closest('input, select, textarea, dialog')) return;
      const key = event.key.toLowerCase();
      if (key === 'v') mark(true);
      else if (key === 'x') mark(false);
      else if (key === 'n') next();
      else if (key === 'escape') select(null, false);
      else return;
      event.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [mark, next, select]);

  return { reviews, mark, next, pending: mutation.isPending, error, note };
}
