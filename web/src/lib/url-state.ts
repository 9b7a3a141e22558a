/**
 * View state kept in the URL's query string, so every view can be shared by its address. A change
 * replaces the history entry (typing in a search box should not fill the back button).
 */
import { useCallback, useRef } from 'react';
import { useLocation, useSearchParams } from 'react-router';

/** Sets (or, with `null`, removes) query-string parameters of the page's address, all in one change. */
export type SetUrlParams = (changes: Record<string, string | null>) => void;

/**
 * The query string as state, with a setter for some of its parameters. A change that arrives once the
 * user has left for another page (a map's last `moveend`, an answer still on its way) is dropped:
 * React Router resolves it against the page that asked, so it would bring the user back.
 */
export function useUrlParams(): [URLSearchParams, SetUrlParams] {
  const [params, setParams] = useSearchParams();
  const { pathname } = useLocation();
  const page = useRef(pathname);
  page.current = pathname;
  const set = useCallback<SetUrlParams>(
    (changes) => {
      // The router moves the address before React renders the next page, so a page still mounted
      // can tell that it is no longer the one in the address.
      if (window.location.pathname !== page.current) return;
      setParams(
        (previous) => {
          const next = new URLSearchParams(previous);
          for (const [name, value] of Object.entries(changes)) {
            if (value === null) next.delete(name);
            else next.set(name, value);
          }
          return next;
        },
        { replace: true },
      );
    },
    [setParams],
  );
  return [params, set];
}

/** One query-string parameter as state; `null` removes it. */
export function useUrlParam(name: string): [string | null, (value: string | null) => void] {
  const [params, setParams] = useUrlParams();
  const set = useCallback((value: string | null) => setParams({ [name]: value }), [name, setParams]);
  return [params.get(name), set];
}
