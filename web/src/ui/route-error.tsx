/** What a route shows when its page throws or no route matches the address. */
import { isRouteErrorResponse, Link, useRouteError } from 'react-router';
import { ErrorMessage } from './status';

export function RouteError() {
  const error = useRouteError();
  if (isRouteErrorResponse(error) && error.status === 404) return <NotFound />;
  return (
    <div className="page-body">
      <ErrorMessage error={error} title="This page failed" />
      <p>
        <Link to="/">Back to the start</Link>
      </p>
    </div>
  );
}

/** The page for an address the UI does not know. */
export function NotFound() {
  return (
    <div className="page-body">
      <h1>Not found</h1>
      <p>Nothing lives at this address.</p>
      <p>
        <Link to="/">Back to the start</Link>
      </p>
    </div>
  );
}
