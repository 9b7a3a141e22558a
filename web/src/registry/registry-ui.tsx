/**
 * Pieces the three registry pages share: stage badges, alias chips, links to a registered model and
 * a model version, the source run of a version, and the not-found state of a missing model or version.
 */
import { Link } from 'react-router';
import { ApiError } from '../api/http';
import type { WireModelVersion } from '../api/registry';
import { ErrorMessage } from '../ui/status';

/** The address of a registered model's page. */
export function modelPath(name: string): string {
  return `/models/${encodeURIComponent(name)}`;
}

/** The address of a model version's page. */
export function versionPath(name: string, version: string): string {
  return `${modelPath(name)}/versions/${encodeURIComponent(version)}`;
}

/** A version's stage as a coloured badge ("None" reads as "no stage"). */
export function StageBadge({ stage }: { stage: string | undefined }) {
  const value = stage ?? 'None';
  return (
    <span className={`stage-badge stage-${value.toLowerCase()}`} data-stage={value}>
      {value === 'None' ? 'no stage' : value}
    </span>
  );
}

/** An alias as a chip, `@champion`, optionally with the version it names. */
export function AliasChip({ alias, version, to }: { alias: string; version?: string; to?: string }) {
  const label = (
    <>
      @{alias}
      {version !== undefined && <span className="alias-version">v{version}</span>}
    </>
  );
  return to ? (
    <Link to={to} className="alias-chip" data-alias={alias}>
      {label}
    </Link>
  ) : (
    <span className="alias-chip" data-alias={alias}>
      {label}
    </span>
  );
}

/** The run a version was registered from: its `run_id`, else the run in a `runs:/<run>/…` source. */
export function sourceRunId(version: WireModelVersion): string | undefined {
  return version.run_id || /^runs:\/([^/]+)/.exec(version.source ?? '')?.[1];
}

/** A link to a version's source run (`/runs/:runId`), or nothing when it has none. */
export function SourceRunLink({ version }: { version: WireModelVersion }) {
  const runId = sourceRunId(version);
  if (!runId) return <span className="muted">none</span>;
  return (
    <Link to={`/runs/${encodeURIComponent(runId)}`} className="mono" title={`Run ${runId}`}>
      {runId.slice(0, 8)}
    </Link>
  );
}

/** Whether an error is the server's "does not exist" (HTTP 404). */
export function isNotFound(error: unknown): boolean {
  return error instanceof ApiError && error.status === 404;
}

/** A missing model or version as a not-found state with a way back; any other error as an error box. */
export function RegistryError({ error, what, title }: { error: unknown; what: string; title: string }) {
  if (!isNotFound(error)) return <ErrorMessage error={error} title={title} />;
  return (
    <div className="registry-not-found" role="alert">
      <h1>{what} not found</h1>
      <p className="muted">{(error as Error).message}</p>
      <p>
        <Link to="/models">All registered models</Link>
      </p>
    </div>
  );
}

const STATUS_CLASS: Record<string, string> = { READY: 'badge-finished', PENDING_REGISTRATION: 'badge-running', FAILED_REGISTRATION: 'badge-failed' };

/** A version's registration status as a badge (`ready`, `pending registration`, `failed registration`). */
export function VersionStatus({ version }: { version: WireModelVersion }) {
  const status = version.status ?? 'READY';
  return (
    <span className={`badge ${STATUS_CLASS[status] ?? ''}`} title={version.status_message}>
      {status.toLowerCase().replace('_', ' ')}
    </span>
  );
}
