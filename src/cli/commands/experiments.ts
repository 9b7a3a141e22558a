/** `tileflow experiments …`: experiments in the tracking source. */
import { Option, type Command } from 'commander';
import type { ViewType } from '../../track/entities.js';
import { isoTime, json, table } from '../format.js';
import { collectPages, trackingUriFrom, withTrackingReader } from '../tracking-source.js';

/** `--view active|deleted|all` as MLflow's view type. */
export const VIEW_TYPES: Record<string, ViewType> = { active: 'ACTIVE_ONLY', deleted: 'DELETED_ONLY', all: 'ALL' };

/** The `--view` option shared by list commands. */
export const viewOption = () =>
  new Option('--view <view>', 'lifecycle stage to list').choices(Object.keys(VIEW_TYPES)).default('active');

interface ListOptions {
  view: string;
  json?: boolean;
}

/** Lists experiments, oldest first. */
async function listExperiments(options: ListOptions, command: Command): Promise<void> {
  const uri = trackingUriFrom(command.optsWithGlobals().trackingUri);
  await withTrackingReader(uri, async (reader) => {
    const { items } = await collectPages((pageToken) =>
      reader.searchExperiments({ viewType: VIEW_TYPES[options.view], maxResults: 1000, orderBy: ['experiment_id ASC'], pageToken }),
    );
    if (options.json) {
      process.stdout.write(`${json(items)}\n`);
      return;
    }
    if (items.length === 0) {
      process.stdout.write(`No ${options.view === 'all' ? '' : `${options.view} `}experiments in ${reader.description}.\n`);
      return;
    }
    const rows = items.map((e) => [e.experimentId, e.name, e.lifecycleStage, isoTime(e.creationTime), isoTime(e.lastUpdateTime), e.artifactLocation]);
    process.stdout.write(`${table(['id', 'name', 'stage', 'created', 'updated', 'artifact location'], rows)}\n`);
  });
}

/** Registers `tileflow experiments list`. */
export function registerExperimentsCommands(program: Command): void {
  const experiments = program.command('experiments').description('inspect experiments');
  experiments
    .command('list')
    .description('list experiments')
    .addOption(viewOption())
    .option('--json', 'print JSON instead of a table')
    .action(listExperiments);
}
