/**
 * The `tileflow` command: builds the commander program, runs it, and turns failures into one line on
 * stderr (`error: …`) with exit code 1, or 2 for usage errors. Stack traces only with TILEFLOW_DEBUG=1.
 */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { TileflowError } from '../core/errors.js';
import { registerBenchCommands } from './commands/bench.js';
import { registerCvCommand } from './commands/cv.js';
import { registerDatasetCommands } from './commands/dataset.js';
import { registerExperimentsCommands } from './commands/experiments.js';
import { registerFitCommand } from './commands/fit.js';
import { registerModelsCommands } from './commands/models.js';
import { registerPixelCommands } from './commands/pixels.js';
import { registerPredictCommand } from './commands/predict.js';
import { registerPredictionsCommands } from './commands/predictions.js';
import { registerRasterCommands } from './commands/raster.js';
import { registerReviewCommands } from './commands/review.js';
import { registerRunsCommands } from './commands/runs.js';
import { registerStacCommands } from './commands/stac.js';
import { registerTilesCommands } from './commands/tiles.js';
import { registerTrainCommand } from './commands/train.js';
import { registerUpCommand } from './commands/up.js';
import { CliError } from './errors.js';

/** The package version (the same relative path from src/cli and dist/cli). */
const VERSION: string = JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version;

/** Builds the program with every command registered; parsing errors throw instead of exiting. */
export function buildProgram(): Command {
  const program = new Command('tileflow')
    .description('geospatial machine learning: tracked runs, registered models, predictions on map tiles')
    .version(VERSION)
    .option(
      '--tracking-uri <uri>',
      'where runs live: http(s)://HOST:PORT (a tracking server), sqlite:PATH or postgres://…; ' +
        'default $MLFLOW_TRACKING_URI, then $TILEFLOW_TRACKING_URI, then the embedded store under $TILEFLOW_HOME',
    )
    .showSuggestionAfterError()
    // Subcommands inherit this: commander errors reach `main` as exceptions, not process.exit().
    .exitOverride();
  registerUpCommand(program);
  registerExperimentsCommands(program);
  registerRunsCommands(program);
  registerRasterCommands(program);
  registerStacCommands(program);
  registerDatasetCommands(program);
  registerTilesCommands(program);
  registerTrainCommand(program);
  registerCvCommand(program);
  registerFitCommand(program);
  registerPixelCommands(program);
  registerModelsCommands(program);
  registerPredictCommand(program);
  registerPredictionsCommands(program);
  registerReviewCommands(program);
  registerBenchCommands(program);
  return program;
}

/** The exit code for a failure, after printing it as one line (commander prints its own). */
function report(error: unknown): number {
  if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`error: ${message}\n`);
  if (error instanceof CliError) return error.exitCode;
  if (!(error instanceof TileflowError) && process.env.TILEFLOW_DEBUG && error instanceof Error && error.stack) {
    process.stderr.write(`${error.stack}\n`);
  }
  return 1;
}

/** Runs the CLI on `argv` (node, script, args…); resolves with the exit code, also set on `process.exitCode`. */
export async function main(argv: string[] = process.argv): Promise<number> {
  let code: number;
  try {
    await buildProgram().parseAsync(argv);
    code = Number(process.exitCode ?? 0);
  } catch (error) {
    code = report(error);
  }
  process.exitCode = code;
  return code;
}

/** Whether this module is the process's entry point (`node --import tsx src/cli/main.ts …`). */
function isEntryPoint(): boolean {
  if (!process.argv[1]) return false;
  try {
    return fs.realpathSync(process.argv[1]) === fs.realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) await main(process.argv);
