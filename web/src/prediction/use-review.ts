/**
 * Reviewing a prediction's tiles: marking the selected tile valid or invalid (shown at once, sent to
 * the server, undone if the server refuses), walking the active-learning queue (most uncertain
 * unreviewed tiles first) and the keyboard shortcuts for both.
 */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useCallback, useEffect, useState } from 'react';
import { addReview, getReviewQueue, type ReviewState } from '../api/predict';

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
  /** This browser's reviews by quadkey (the map colours them at once). */
  reviews: ReadonlyMap<string, ReviewState>;
  /** Marks the selected tile. */
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
  selected: string | null;
  classFilter: number | undefined;
  reviewer: string;
  select: (quadkey: string | null, focus: boolean) => void;
}): ReviewControls {
  const { predictionId, selected, classFilter, reviewer, select } = options;
  const client = useQueryClient();
  const [reviews, setReviews] = useState<ReadonlyMap<string, ReviewState>>(new Map());
  const [error, setError] = useState<string | null>(null);
  const [note, setNote] = useState<string | null>(null);

  const setState = (quadkey: string, state: ReviewState | undefined) =>
    setReviews((previous) => {
      const next = new Map(previous);
      if (state === undefined) next.delete(quadkey);
      else next.set(quadkey, state);
      return next;
    });

  const mutation = useMutation({
    mutationFn: (review: { quadkey: string; valid: boolean; before: ReviewState | undefined }) =>
      addReview(predictionId, { target: 'tile', targetId: review.quadkey, valid: review.valid, reviewer: reviewer.trim() || 'web' }),
    onMutate: (review) => {
      setError(null);
      setState(review.quadkey, review.valid ? 'valid' : 'invalid');
    },
    onError: (failure, review) => {
      setState(review.quadkey, review.before);
      setError(`The review of tile ${review.quadkey} was not saved: ${(failure as Error).message}`);
    },
    onSettled: () => {
      void client.invalidateQueries({ queryKey: ['review-statistics', predictionId] });
      void client.invalidateQueries({ queryKey: ['prediction-tile', predictionId] });
    },
  });

  const mark = useCallback(
    (valid: boolean) => {
      if (!selected) return;
      mutation.mutate({ quadkey: selected, valid, before: reviews.get(selected) });
    },
    [selected, mutation, reviews],
  );

  const next = useCallback(() => {
    setNote(null);
    getReviewQueue(predictionId, { limit: 50, class: classFilter })
      .then((tiles) => {
        // Reviews still on their way may not have left the server's queue yet.
        const tile = tiles.find((t) => !reviews.has(t.quadkey) && t.quadkey !== selected);
        if (tile) select(tile.quadkey, true);
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
