/** Loading, error and empty states, one look for every page. */
import type { UseQueryResult } from '@tanstack/react-query';
import type { ReactNode } from 'react';

/** A spinner with a label, announced to screen readers. */
export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <div className="status status-loading" role="status">
      <span className="spinner" aria-hidden="true" />
      {label}
    </div>
  );
}

/** The message of anything thrown. */
export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** An error box with the server's message. */
export function ErrorMessage({ error, title = 'Something went wrong' }: { error: unknown; title?: string }) {
  return (
    <div className="status status-error" role="alert">
      <strong>{title}.</strong> {errorText(error)}
    </div>
  );
}

/** A quiet note for "nothing here yet". */
export function Empty({ children }: { children: ReactNode }) {
  return <div className="status status-empty">{children}</div>;
}

/** Renders a query's loading and error states, or its data through `children`. */
export function QueryView<T>({
  query,
  children,
  loading,
  errorTitle,
}: {
  query: UseQueryResult<T>;
  children: (data: T) => ReactNode;
  loading?: string;
  errorTitle?: string;
}) {
  if (query.isPending) return <Loading label={loading} />;
  if (query.isError) return <ErrorMessage error={query.error} title={errorTitle} />;
  return <>{children(query.data)}</>;
}
