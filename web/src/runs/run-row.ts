/** A run as the table holds it: the wire run flattened once into maps, so cells look values up in O(1). */
import { wireNumber } from '../api/tracking';
import type { RunStatus, WireRun } from '../api/types';
import type { DataColumn } from './columns';

export interface RunRow {
  runId: string;
  runName: string;
  experimentId: string;
  status: RunStatus;
  userId?: string;
  startTime?: number;
  endTime?: number;
  metrics: Map<string, number>;
  params: Map<string, string>;
  tags: Map<string, string>;
}

/** Flattens a wire run. */
export function toRunRow(run: WireRun): RunRow {
  return {
    runId: run.info.run_id,
    runName: run.info.run_name ?? run.info.run_id,
    experimentId: run.info.experiment_id,
    status: run.info.status,
    userId: run.info.user_id,
    startTime: run.info.start_time,
    endTime: run.info.end_time,
    metrics: new Map((run.data.metrics ?? []).map((m) => [m.key, wireNumber(m.value)])),
    params: new Map((run.data.params ?? []).map((p) => [p.key, p.value])),
    tags: new Map((run.data.tags ?? []).map((t) => [t.key, t.value])),
  };
}

/** The value a data column shows for a run (undefined when the run lacks the key). */
export function cellValue(row: RunRow, column: DataColumn): number | string | undefined {
  return row[column.kind].get(column.key);
}
