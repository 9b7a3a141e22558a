/**
 * `tileflow models upload`: bring your own model. An ONNX file from any framework and the STAC MLM
 * item that describes it (bands, size, value scaling, task, classes) are checked against each other,
 * stored as a tracked run's artifacts and registered as a new version, ready for `tileflow predict`.
 */
import type { Command } from 'commander';
import { readModelFiles } from '../../predict/service.js';
import { json, keyValueTable } from '../format.js';
import { findOrCreateProject, withPredictService } from './predict.js';

interface UploadFlags {
  name: string;
  onnx: string;
  mlm: string;
  project?: string;
  description?: string;
  json?: boolean;
}

/** Registers `tileflow models upload`. */
export function registerModelsCommands(program: Command): void {
  const models = program.command('models').description('registered models for prediction');
  models
    .command('upload')
    .description('register an ONNX model made anywhere, with its STAC MLM item, as a new model version')
    .requiredOption('--name <name>', 'the registered model to add a version to (created when missing)')
    .requiredOption('--onnx <file>', 'the ONNX model')
    .requiredOption('--mlm <file>', 'its STAC item with the MLM extension (JSON): input bands, shape, value scaling; task; classes')
    .option('--project <name>', 'also add the version to this prediction project (created when missing)')
    .option('--description <text>', 'description of the model version')
    .option('--json', 'print the result as JSON')
    .action(async (flags: UploadFlags, command: Command) => {
      const { onnx, mlm } = await readModelFiles(flags.onnx, flags.mlm);
      await withPredictService(command, {}, async ({ store, service }) => {
        const project = flags.project ? await findOrCreateProject(store, flags.project) : undefined;
        const result = await service.uploadModel({ name: flags.name, onnx, mlm, projectId: project?.id, description: flags.description, userId: process.env.USER });
        if (flags.json) {
          process.stdout.write(`${json({ ...result, project: project?.name ?? null })}\n`);
          return;
        }
        const rows: [string, string][] = [
          ['registered', `${result.name}@${result.version}`],
          ['run', result.runId],
        ];
        if (project) rows.push(['project', project.name]);
        process.stdout.write(`${keyValueTable(rows)}\n`);
      });
    });
}
