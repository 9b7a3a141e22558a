/**
 * `tileflow review …`: the feedback loop from a terminal. `next` lists the unreviewed tiles the model
 * is least sure of (the active-learning queue, by entropy or margin); `mark` records a person's
 * judgement of a tile, which review statistics, exports and chip datasets then use.
 */
import { Option, type Command } from 'commander';
import { parseTileId, quadkey } from '../../geo/tiles.js';
import { CliError } from '../errors.js';
import { json, metricValue, table } from '../format.js';
import { number } from '../options.js';
import { withPredictStore } from './predict.js';

/** A tile named by quadkey, `z/x/y` or `x-y-z`, as its quadkey. */
function tileQuadkey(text: string): string {
  const zxy = /^(\d+)\/(\d+)\/(\d+)$/.exec(text);
  if (zxy) return quadkey({ z: Number(zxy[1]), x: Number(zxy[2]), y: Number(zxy[3]) });
  if (/^\d+-\d+-\d+$/.test(text)) return quadkey(parseTileId(text));
  return text;
}

/** Prints the most uncertain unreviewed tiles of a prediction. */
async function nextTiles(id: string, flags: { strategy: 'entropy' | 'margin'; limit?: string; class?: string; json?: boolean }, command: Command): Promise<void> {
  const limit = number(flags.limit, '--limit', { integer: true, min: 1 }) ?? 10;
  const classIndex = number(flags.class, '--class', { integer: true, min: 0 });
  await withPredictStore(command, async ({ store }) => {
    const prediction = await store.getPrediction(id);
    const tiles = await store.reviewQueue(id, { strategy: flags.strategy, limit, classIndex });
    const className = (index: number | null) => prediction.classes.find((c) => c.index === index)?.name ?? (index === null ? null : String(index));
    if (flags.json) {
      process.stdout.write(`${json(tiles.map((t) => ({ ...t, className: className(t.topClass) })))}\n`);
      return;
    }
    if (tiles.length === 0) {
      process.stdout.write(`No unreviewed tiles with a prediction in ${id}${prediction.status === 'succeeded' ? '' : ` (it is ${prediction.status})`}.\n`);
      return;
    }
    const value = (v: number | null) => (v === null ? '-' : metricValue(Number(v.toPrecision(4))));
    const rows = tiles.map((t) => [t.quadkey, `${t.z}/${t.x}/${t.y}`, className(t.topClass) ?? '-', value(t.topScore), value(t.entropy), value(t.margin)]);
    process.stdout.write(`${table(['quadkey', 'z/x/y', 'class', 'score', 'entropy', 'margin'], rows)}\n`);
  });
}

/** Records a judgement of one tile. */
async function markTile(id: string, tile: string, flags: { valid?: boolean; invalid?: boolean; reviewer?: string; class?: string; json?: boolean }, command: Command): Promise<void> {
  if (Boolean(flags.valid) === Boolean(flags.invalid)) throw new CliError('give one of --valid and --invalid', 2);
  const classIndex = number(flags.class, '--class', { integer: true, min: 0 });
  const reviewer = flags.reviewer ?? process.env.USER ?? 'cli';
  await withPredictStore(command, async ({ store }) => {
    const review = await store.addReview(id, { target: 'tile', targetId: tileQuadkey(tile), classIndex, valid: Boolean(flags.valid), reviewer });
    if (flags.json) {
      process.stdout.write(`${json(review)}\n`);
      return;
    }
    const prediction = await store.getPrediction(id);
    const judged = review.classIndex ?? (await store.getTile(id, review.targetId)).topClass;
    const name = prediction.classes.find((c) => c.index === judged)?.name ?? String(judged);
    process.stdout.write(`tile ${review.targetId} of prediction ${id}: ${name} marked ${review.valid ? 'valid' : 'invalid'} by ${review.reviewer}\n`);
  });
}

/** Registers `tileflow review next|mark`. */
export function registerReviewCommands(program: Command): void {
  const review = program.command('review').description("review a prediction's tiles: the most uncertain first, valid or invalid");
  review
    .command('next')
    .description('list the unreviewed tiles the model is least sure of (the active-learning queue)')
    .argument('<id>', 'prediction id')
    .addOption(new Option('--strategy <strategy>', 'entropy: highest entropy first; margin: smallest gap between the top two scores first').choices(['entropy', 'margin']).default('entropy'))
    .option('--limit <n>', 'how many tiles (default 10)')
    .option('--class <n>', 'only tiles predicted as this class index')
    .option('--json', 'print JSON instead of a table')
    .action(nextTiles);
  review
    .command('mark')
    .description('record whether a tile\'s prediction is right (--valid) or wrong (--invalid)')
    .argument('<id>', 'prediction id')
    .argument('<tile>', 'the tile: quadkey, z/x/y or x-y-z')
    .option('--valid', 'the prediction is right')
    .option('--invalid', 'the prediction is wrong')
    .option('--class <n>', 'the class judged (default: the tile\'s predicted class)')
    .option('--reviewer <name>', 'who judged (default: $USER, else cli)')
    .option('--json', 'print the review as JSON')
    .action(markTile);
}
