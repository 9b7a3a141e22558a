/** `tileflow bench train`: training and inference images per second of an architecture on this machine. */
import type { Command } from 'commander';
import { ARCHITECTURES, type Architecture } from '../../deep/models/index.js';
import { measureThroughput } from '../../deep/train/throughput.js';
import { CliError } from '../errors.js';
import { keyValueTable } from '../format.js';
import { number } from '../options.js';

interface BenchTrainFlags {
  arch: string;
  channels: string;
  classes: string;
  size: string;
  batch: string;
  threads?: string;
  device: string;
  steps: string;
  warmup: string;
  inferBatches: string;
  timesteps?: string;
  json?: boolean;
}

/** Registers `tileflow bench …`. */
export function registerBenchCommands(program: Command): void {
  const bench = program.command('bench').description('measure tileflow on this machine');
  bench
    .command('train')
    .description('training and inference images per second (libtorch, and ONNX Runtime for inference) on synthetic batches')
    .option('--arch <arch>', `architecture: ${ARCHITECTURES.filter((a) => a !== 'torchscript').join(', ')}`, 'eurosat-cnn')
    .option('--channels <n>', 'input bands', '13')
    .option('--classes <n>', 'output classes', '10')
    .option('--size <px>', 'chip edge in pixels', '64')
    .option('--batch <n>', 'batch size', '32')
    .option('--threads <n>', 'libtorch and ONNX Runtime threads (default: one per core)')
    .option('--device <device>', 'cpu, cuda or cuda:N', 'cpu')
    .option('--steps <n>', 'timed training steps', '30')
    .option('--warmup <n>', 'untimed training steps first', '3')
    .option('--infer-batches <n>', 'timed inference batches', '30')
    .option('--timesteps <n>', 'time steps (lstm)')
    .option('--json', 'print one JSON line')
    .action(async (flags: BenchTrainFlags) => {
      if (!(ARCHITECTURES as readonly string[]).includes(flags.arch) || flags.arch === 'torchscript') {
        throw new CliError(`--arch must be one of ${ARCHITECTURES.filter((a) => a !== 'torchscript').join(', ')}, got ${JSON.stringify(flags.arch)}`, 2);
      }
      const int = (text: string | undefined, name: string) => number(text, name, { integer: true, min: 1 });
      const result = await measureThroughput({
        arch: flags.arch as Architecture,
        channels: int(flags.channels, '--channels')!,
        classes: int(flags.classes, '--classes')!,
        size: int(flags.size, '--size')!,
        batch: int(flags.batch, '--batch')!,
        threads: int(flags.threads, '--threads') ?? (await import('node:os')).availableParallelism(),
        device: flags.device,
        steps: int(flags.steps, '--steps')!,
        warmup: number(flags.warmup, '--warmup', { integer: true, min: 0 })!,
        inferBatches: int(flags.inferBatches, '--infer-batches')!,
        timesteps: int(flags.timesteps, '--timesteps') ?? (flags.arch === 'lstm' ? 24 : undefined),
      });
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(result)}\n`);
        return;
      }
      const rate = (v: number | null) => (v === null ? 'n/a' : `${v.toFixed(1)} images/s`);
      process.stdout.write(
        `${keyValueTable([
          ['model', `${result.arch}, ${result.channels} x ${result.size} x ${result.size}, batch ${result.batch}`],
          ['threads / device', `${result.threads} / ${result.device}`],
          ['training', rate(result.train_images_per_second)],
          ['inference, libtorch', rate(result.infer_libtorch_images_per_second)],
          ['inference, ONNX Runtime', rate(result.infer_onnxruntime_images_per_second)],
          ['libtorch', result.libtorch],
        ])}\n`,
      );
    });
}
