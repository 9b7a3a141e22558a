/**
 * Loads the data that hangs off runs (params, tags, latest metrics, dataset inputs, model outputs) for
 * many runs at once: one query per table for a whole page of runs, never one per run.
 */
import type { Kysely, Selectable } from 'kysely';
import type { DatasetInput, Metric, ModelOutput, Param, Run, RunStatus, Tag } from '../entities.js';
import type { LatestMetricsTable, RunsTable, TrackingDatabase } from './schema.js';

const CHUNK = 500;

function chunks<T>(items: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK));
  return out;
}

function groupBy<T>(rows: T[], key: (row: T) => string): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const row of rows) {
    const k = key(row);
    let list = map.get(k);
    if (!list) map.set(k, (list = []));
    list.push(row);
  }
  return map;
}

/** A metric value as stored: NaN becomes 0 with is_nan = 1, since SQLite turns a NaN REAL into NULL. */
export function storedValue(value: number): { value: number; is_nan: number } {
  return Number.isNaN(value) ? { value: 0, is_nan: 1 } : { value, is_nan: 0 };
}

/** A stored metric value, with NaN restored from its flag. */
export function metricValue(row: { value: number; is_nan: number }): number {
  return row.is_nan ? Number.NaN : Number(row.value);
}

function latestMetric(row: Selectable<LatestMetricsTable>): Metric {
  return { key: row.key, value: metricValue(row), timestamp: Number(row.timestamp), step: Number(row.step) };
}

/** Builds full runs (info, data, inputs, outputs) from run rows, in the rows' order. */
export async function hydrateRuns(db: Kysely<TrackingDatabase>, rows: Selectable<RunsTable>[]): Promise<Run[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.run_uuid);
  const params: { run_uuid: string; key: string; value: string }[] = [];
  const tags: { run_uuid: string; key: string; value: string }[] = [];
  const metrics: Selectable<LatestMetricsTable>[] = [];
  const inputs: { destination_id: string; input_uuid: string; source_type: string; source_id: string }[] = [];
  const outputs: { run_uuid: string; model_id: string; step: number }[] = [];
  for (const part of chunks(ids)) {
    const [p, t, m, i, o] = await Promise.all([
      db.selectFrom('params').select(['run_uuid', 'key', 'value']).where('run_uuid', 'in', part).orderBy('key').execute(),
      db.selectFrom('tags').select(['run_uuid', 'key', 'value']).where('run_uuid', 'in', part).orderBy('key').execute(),
      db.selectFrom('latest_metrics').selectAll().where('run_uuid', 'in', part).orderBy('key').execute(),
      db
        .selectFrom('inputs')
        .select(['destination_id', 'input_uuid', 'source_type', 'source_id'])
        .where('destination_type', '=', 'RUN')
        .where('destination_id', 'in', part)
        .execute(),
      db.selectFrom('run_outputs').select(['run_uuid', 'model_id', 'step']).where('run_uuid', 'in', part).execute(),
    ]);
    params.push(...p);
    tags.push(...t);
    metrics.push(...m);
    inputs.push(...i);
    outputs.push(...o);
  }
  const datasetInputs = await loadDatasetInputs(db, inputs.filter((i) => i.source_type === 'DATASET'));
  const paramsByRun = groupBy(params, (r) => r.run_uuid);
  const tagsByRun = groupBy(tags, (r) => r.run_uuid);
  const metricsByRun = groupBy(metrics, (r) => r.run_uuid);
  const inputsByRun = groupBy(inputs, (r) => r.destination_id);
  const outputsByRun = groupBy(outputs, (r) => r.run_uuid);

  return rows.map((row) => {
    const runInputs = inputsByRun.get(row.run_uuid) ?? [];
    return {
      info: runInfoFromRow(row),
      data: {
        metrics: (metricsByRun.get(row.run_uuid) ?? []).map(latestMetric),
        params: (paramsByRun.get(row.run_uuid) ?? []).map(({ key, value }): Param => ({ key, value })),
        tags: (tagsByRun.get(row.run_uuid) ?? []).map(({ key, value }): Tag => ({ key, value })),
      },
      inputs: {
        datasetInputs: runInputs
          .filter((i) => i.source_type === 'DATASET')
          .map((i) => datasetInputs.get(i.input_uuid))
          .filter((d): d is DatasetInput => d !== undefined),
        modelInputs: runInputs.filter((i) => i.source_type === 'MODEL').map((i) => ({ modelId: i.source_id })),
      },
      outputs: {
        modelOutputs: (outputsByRun.get(row.run_uuid) ?? []).map((o): ModelOutput => ({ modelId: o.model_id, step: Number(o.step) })),
      },
    };
  });
}

async function loadDatasetInputs(
  db: Kysely<TrackingDatabase>,
  inputs: { input_uuid: string; source_id: string }[],
): Promise<Map<string, DatasetInput>> {
  const result = new Map<string, DatasetInput>();
  if (inputs.length === 0) return result;
  const datasetIds = [...new Set(inputs.map((i) => i.source_id))];
  const datasets = new Map<string, DatasetInput['dataset']>();
  for (const part of chunks(datasetIds)) {
    for (const d of await db.selectFrom('datasets').selectAll().where('dataset_uuid', 'in', part).execute()) {
      datasets.set(d.dataset_uuid, {
        name: d.name,
        digest: d.digest,
        sourceType: d.dataset_source_type,
        source: d.dataset_source,
        ...(d.dataset_schema != null ? { schema: d.dataset_schema } : {}),
        ...(d.dataset_profile != null ? { profile: d.dataset_profile } : {}),
      });
    }
  }
  const tagRows: { input_uuid: string; name: string; value: string }[] = [];
  for (const part of chunks(inputs.map((i) => i.input_uuid))) {
    tagRows.push(...(await db.selectFrom('input_tags').selectAll().where('input_uuid', 'in', part).execute()));
  }
  const tagsByInput = groupBy(tagRows, (t) => t.input_uuid);
  for (const input of inputs) {
    const dataset = datasets.get(input.source_id);
    if (!dataset) continue;
    result.set(input.input_uuid, {
      dataset,
      tags: (tagsByInput.get(input.input_uuid) ?? []).map((t) => ({ key: t.name, value: t.value })),
    });
  }
  return result;
}

/** The run's info as a domain object. */
export function runInfoFromRow(row: Selectable<RunsTable>) {
  return {
    runId: row.run_uuid,
    runName: row.name,
    experimentId: String(row.experiment_id),
    userId: row.user_id,
    status: row.status as RunStatus,
    startTime: Number(row.start_time),
    endTime: row.end_time == null ? null : Number(row.end_time),
    artifactUri: row.artifact_uri,
    lifecycleStage: row.lifecycle_stage as 'active' | 'deleted',
  };
}
