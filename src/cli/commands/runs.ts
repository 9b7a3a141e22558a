/** `tileflow runs …`: list, show and compare runs in the tracking source. */
import { InvalidArgumentError, type Command } from 'commander';
import type { Run } from '../../track/entities.js';
import { CliError } from '../errors.js';
import { isoTime, json, keyValueTable, metricValue, runDuration, table } from '../format.js';
import { collectPages, trackingUriFrom, withTrackingReader, type TrackingReader } from '../tracking-source.js';
import { VIEW_TYPES, viewOption } from './experiments.js';

/** How many metric columns `runs list` shows when `--columns` is not given. */
const DEFAULT_METRIC_COLUMNS = 6;
const SYSTEM_TAG = /^mlflow\./;

/** A column of `runs list` beyond the fixed ones. */
interface Column {
  kind: 'params' | 'metrics' | 'tags';
  key: string;
}

const COLUMN_KINDS: Record<string, Column['kind']> = {
  params: 'params',
  param: 'params',
  metrics: 'metrics',
  metric: 'metrics',
  tags: 'tags',
  tag: 'tags',
};

/** Parses `--columns params.lr,metrics.acc`. */
function parseColumns(value: string): Column[] {
  return value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean)
    .map((item) => {
      const match = /^([a-z]+)\.(.+)$/.exec(item);
      const kind = match ? COLUMN_KINDS[match[1]] : undefined;
      if (!match || !kind) throw new InvalidArgumentError(`'${item}' is not params.KEY, metrics.KEY or tags.KEY.`);
      return { kind, key: match[2] };
    });
}

function parsePositiveInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1) throw new InvalidArgumentError('expected a positive integer.');
  return n;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** The value a run has in a column, as shown; "" when it has none. */
function cell(run: Run, column: Column): string {
  if (column.kind === 'metrics') {
    const metric = run.data.metrics.find((m) => m.key === column.key);
    return metric ? metricValue(metric.value) : '';
  }
  const list = column.kind === 'params' ? run.data.params : run.data.tags;
  return list.find((p) => p.key === column.key)?.value ?? '';
}

interface ListOptions {
  experimentId?: string;
  experiment?: string;
  filter?: string;
  orderBy?: string[];
  maxResults: number;
  columns?: Column[];
  view: string;
  json?: boolean;
}

/** Lists runs of one experiment with their chosen params and metrics. */
async function listRuns(options: ListOptions, command: Command): Promise<void> {
  if (Boolean(options.experimentId) === Boolean(options.experiment)) {
    command.error('error: give one of --experiment-id ID or --experiment NAME', { exitCode: 2, code: 'tileflow.usage' });
  }
  await withTrackingReader(trackingUriFrom(command.optsWithGlobals().trackingUri), async (reader) => {
    const experimentId = options.experimentId ?? (await reader.getExperimentByName(options.experiment!)).experimentId;
    const { items: runs, more } = await collectPages(
      (pageToken) =>
        reader.searchRuns({
          experimentIds: [experimentId],
          filter: options.filter,
          orderBy: options.orderBy,
          viewType: VIEW_TYPES[options.view],
          maxResults: Math.min(options.maxResults, 1000),
          pageToken,
        }),
      options.maxResults,
    );
    if (options.json) {
      process.stdout.write(`${json(runs)}\n`);
      return;
    }
    if (runs.length === 0) {
      process.stdout.write(`No runs in experiment ${experimentId}${options.filter ? ' match the filter' : ''}.\n`);
      return;
    }
    let columns = options.columns;
    if (!columns) {
      const keys = [...new Set(runs.flatMap((r) => r.data.metrics.map((m) => m.key)))].sort();
      columns = keys.slice(0, DEFAULT_METRIC_COLUMNS).map((key) => ({ kind: 'metrics' as const, key }));
      if (keys.length > DEFAULT_METRIC_COLUMNS) {
        process.stderr.write(`note: showing ${DEFAULT_METRIC_COLUMNS} of ${keys.length} metrics; choose with --columns\n`);
      }
    }
    const now = Date.now();
    const head = ['run id', 'name', 'status', 'start', 'duration', ...columns.map((c) => `${c.kind}.${c.key}`)];
    const rows = runs.map((r) => [r.info.runId, r.info.runName, r.info.status, isoTime(r.info.startTime), runDuration(r.info, now), ...columns.map((c) => cell(r, c))]);
    process.stdout.write(`${table(head, rows)}\n`);
    if (more) process.stderr.write(`note: showing the first ${runs.length} runs; raise --max-results to see more\n`);
  });
}

/** A section title with a count, e.g. `Params (3)`. */
const heading = (title: string, count: number, extra = '') => `\n${title} (${count}${extra})\n`;

/** Prints one run: info, params, latest metrics, tags and inputs. */
async function showRun(runId: string, options: { json?: boolean; allTags?: boolean }, command: Command): Promise<void> {
  await withTrackingReader(trackingUriFrom(command.optsWithGlobals().trackingUri), async (reader) => {
    const run = await reader.getRun(runId);
    if (options.json) {
      const tags = options.allTags ? run.data.tags : run.data.tags.filter((t) => !SYSTEM_TAG.test(t.key));
      process.stdout.write(`${json({ ...run, data: { ...run.data, tags } })}\n`);
      return;
    }
    const { info, data, inputs } = run;
    const experimentName = await reader
      .getExperiment(info.experimentId)
      .then((e) => ` (${e.name})`)
      .catch(() => '');
    let out = `Run ${info.runId}\n`;
    out += keyValueTable([
      ['name', info.runName],
      ['experiment', `${info.experimentId}${experimentName}`],
      ['status', info.status],
      ['user', info.userId || '-'],
      ['start', isoTime(info.startTime)],
      ['end', isoTime(info.endTime)],
      ['duration', runDuration(info)],
      ['artifacts', info.artifactUri],
      ['lifecycle', info.lifecycleStage],
    ]);

    const params = [...data.params].sort((a, b) => a.key.localeCompare(b.key));
    out += heading('Params', params.length);
    if (params.length) out += table(['key', 'value'], params.map((p) => [p.key, p.value]));

    const metrics = [...data.metrics].sort((a, b) => a.key.localeCompare(b.key));
    out += heading('Metrics, latest', metrics.length);
    if (metrics.length) out += table(['key', 'value', 'step', 'time'], metrics.map((m) => [m.key, metricValue(m.value), String(m.step), isoTime(m.timestamp)]));

    const tags = data.tags.filter((t) => options.allTags || !SYSTEM_TAG.test(t.key)).sort((a, b) => a.key.localeCompare(b.key));
    const hidden = data.tags.length - tags.length;
    out += heading('Tags', tags.length, hidden ? `; ${hidden} mlflow.* hidden, --all-tags shows them` : '');
    if (tags.length) out += table(['key', 'value'], tags.map((t) => [t.key, t.value]));

    const datasets = inputs.datasetInputs;
    out += heading('Inputs', datasets.length + inputs.modelInputs.length);
    if (datasets.length) {
      out += table(
        ['dataset', 'digest', 'context', 'source type', 'source'],
        datasets.map((d) => [d.dataset.name, d.dataset.digest, d.tags.find((t) => t.key === 'mlflow.data.context')?.value ?? '', d.dataset.sourceType, d.dataset.source]),
      );
    }
    if (inputs.modelInputs.length) out += `\n${table(['model'], inputs.modelInputs.map((m) => [m.modelId]))}`;
    process.stdout.write(`${out}\n`);
  });
}

/** One row of a comparison: a param or metric and its value in each run. */
export interface ComparisonRow {
  key: string;
  values: (string | number | null)[];
  differs: boolean;
}

/** Lines up params and latest metrics of runs; a row differs when a value is missing or unequal somewhere. */
export function compareRuns(runs: Run[]): { params: ComparisonRow[]; metrics: ComparisonRow[] } {
  const rows = <T extends string | number>(pick: (run: Run) => Map<string, T>): ComparisonRow[] => {
    const maps = runs.map(pick);
    const keys = [...new Set(maps.flatMap((m) => [...m.keys()]))].sort();
    return keys.map((key) => {
      const values = maps.map((m) => (m.has(key) ? m.get(key)! : null));
      return { key, values, differs: values.some((v) => !Object.is(v, values[0])) };
    });
  };
  return {
    params: rows((run) => new Map(run.data.params.map((p) => [p.key, p.value]))),
    metrics: rows((run) => new Map(run.data.metrics.map((m) => [m.key, m.value]))),
  };
}

/** Prints params and metrics of several runs side by side, marking rows that differ. */
async function compare(runIds: string[], options: { json?: boolean }, command: Command): Promise<void> {
  if (runIds.length < 2) command.error('error: give at least two run ids to compare', { exitCode: 2, code: 'tileflow.usage' });
  await withTrackingReader(trackingUriFrom(command.optsWithGlobals().trackingUri), async (reader: TrackingReader) => {
    const runs = await Promise.all(runIds.map((id) => reader.getRun(id)));
    const { params, metrics } = compareRuns(runs);
    if (options.json) {
      const runsInfo = runs.map((r) => ({ runId: r.info.runId, runName: r.info.runName, experimentId: r.info.experimentId }));
      process.stdout.write(`${json({ runs: runsInfo, params, metrics })}\n`);
      return;
    }
    const show = (v: string | number | null) => (v === null ? '-' : typeof v === 'number' ? metricValue(v) : v);
    const head = ['', 'key', ...runs.map((r) => `${r.info.runName || '(unnamed)'}\n${r.info.runId.slice(0, 8)}`)];
    const rows = [
      ...params.map((row) => [row.differs ? '*' : '', `params.${row.key}`, ...row.values.map(show)]),
      ...metrics.map((row) => [row.differs ? '*' : '', `metrics.${row.key}`, ...row.values.map(show)]),
    ];
    if (rows.length === 0) throw new CliError('these runs have no params or metrics to compare');
    const differing = [...params, ...metrics].filter((r) => r.differs).length;
    process.stdout.write(`${table(head, rows)}\n* ${differing} of ${rows.length} rows differ between runs\n`);
  });
}

/** Registers `tileflow runs list|show|compare`. */
export function registerRunsCommands(program: Command): void {
  const runs = program.command('runs').description('inspect runs');
  runs
    .command('list')
    .description('list the runs of an experiment')
    .option('--experiment-id <id>', 'experiment id')
    .option('--experiment <name>', 'experiment name')
    .option('--filter <expr>', `MLflow search filter, e.g. "metrics.acc > 0.9 and params.lr = '0.01'"`)
    .option('--order-by <clause>', 'ordering, e.g. "metrics.acc DESC" (repeatable)', collect)
    .option('--max-results <n>', 'most runs to show', parsePositiveInt, 100)
    .option('--columns <list>', 'extra columns, e.g. params.lr,metrics.acc (default: metrics, at most 6)', parseColumns)
    .addOption(viewOption())
    .option('--json', 'print JSON instead of a table')
    .action(listRuns);
  runs
    .command('show')
    .description('show a run: info, params, latest metrics, tags and inputs')
    .argument('<run-id>', 'run id')
    .option('--all-tags', 'include mlflow.* system tags')
    .option('--json', 'print JSON instead of tables')
    .action(showRun);
  runs
    .command('compare')
    .description('compare params and metrics of runs side by side; * marks rows that differ')
    .argument('<run-ids...>', 'two or more run ids')
    .option('--json', 'print JSON instead of a table')
    .action(compare);
}
