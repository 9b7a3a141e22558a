/**
 * View state kept in the URL's query string, so every view can be shared by its address. A change
 * replaces the history entry (typing in a search box should not fill the back button).
 */
import { useCallback } from 'react';
import { useSearchParams } from 'react-router';

/** One query-string parameter as state; `null` removes it. */
export function useUrlParam(name: string): [string | null, (value: string | null) => void] {
  const [params, setParams] = useSearchParams();
  const set = useCallback(
    (value: string | null) =>
      setParams(
        (previous) => {
          const next = new URLSearchParams(previous);
          if (value === null) next.delete(name);
          else next.set(name, value);
          return next;
        },
        { replace: true },
      ),
    [name, setParams],
  );
  return [params.get(name), set];
}
