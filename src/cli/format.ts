/**
 * How the CLI shows things: plain tables (cli-table3, no colours so output pipes and diffs cleanly),
 * `--json` documents, ISO timestamps and humanized durations.
 */
import Table from 'cli-table3';
import type { RunInfo } from '../track/entities.js';

/** Renders a table with a header row; cells are strings already. */
export function table(head: string[], rows: string[][]): string {
  const t = new Table({ head, style: { head: [], border: [], compact: true } });
  t.push(...rows);
  return t.toString();
}

/** Renders two-column `key | value` rows without a header. */
export function keyValueTable(rows: [string, string][]): string {
  const t = new Table({ style: { head: [], border: [], compact: true } });
  t.push(...rows);
  return t.toString();
}

/** A JSON document for `--json`: indented, and NaN/±Infinity written as strings rather than null. */
export function json(value: unknown): string {
  return JSON.stringify(
    value,
    (_key, v) => (typeof v === 'number' && !Number.isFinite(v) ? (Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity') : v),
    2,
  );
}

/** An epoch-milliseconds time as ISO 8601 in UTC, to the second; "-" when unset. */
export function isoTime(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms <= 0) return '-';
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** A duration in milliseconds for people: `850ms`, `12.3s`, `4m 05s`, `2h 03m`, `3d 4h`. */
export function humanDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '-';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds < 10 ? seconds.toFixed(1) : Math.round(seconds)}s`;
  const totalSeconds = Math.floor(seconds);
  const pad = (n: number) => String(n).padStart(2, '0');
  if (totalSeconds < 3600) return `${Math.floor(totalSeconds / 60)}m ${pad(totalSeconds % 60)}s`;
  const totalMinutes = Math.floor(totalSeconds / 60);
  if (totalMinutes < 24 * 60) return `${Math.floor(totalMinutes / 60)}h ${pad(totalMinutes % 60)}m`;
  const totalHours = Math.floor(totalMinutes / 60);
  return `${Math.floor(totalHours / 24)}d ${totalHours % 24}h`;
}

/** How long a run took, or has been running (`12.3s+` while it still runs); "-" when unknown. */
export function runDuration(info: Pick<RunInfo, 'startTime' | 'endTime' | 'status'>, now = Date.now()): string {
  if (!info.startTime) return '-';
  if (info.endTime !== null) return humanDuration(info.endTime - info.startTime);
  return info.status === 'RUNNING' ? `${humanDuration(now - info.startTime)}+` : '-';
}

/** A metric value: integers as they are, others to 6 significant digits. */
export function metricValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? 'Infinity' : '-Infinity';
  if (Number.isInteger(value)) return String(value);
  return String(Number(value.toPrecision(6)));
}
