/** A run's status as a coloured badge. */
import type { RunStatus } from '../api/types';

export function StatusBadge({ status }: { status: RunStatus }) {
  return <span className={`badge badge-${status.toLowerCase()}`}>{status.toLowerCase()}</span>;
}
