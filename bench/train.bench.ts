/**
 * Deep-learning training and inference speed: `tileflow bench train` (libtorch through tileflow's
 * addon; inference also through ONNX Runtime) against the same architecture in PyTorch
 * (`bench/train_peer.py`, Debian's python3-torch) with the same threads, in the same run.
 *
 *   node --import tsx bench/train.bench.ts [--rounds 5] [--configs eurosat-cnn:13:2,eurosat-cnn:13:1,resnet18:13:2] [--json]
 *
 * Each config is ARCH:CHANNELS:THREADS at 64 x 64 px, batch 32, synthetic batches in memory, 3
 * untimed warm-up steps. The two sides alternate for `--rounds` rounds (this 2-core VM's speed drifts
 * by ±10 % between runs, so one run each would compare noise); the figures are each side's median.
 * Two ratios: tileflow's median over PyTorch's, and the median of the per-round ratios (each round's
 * two runs are back to back, so slow drift of the machine cancels within a pair).
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    configs: { type: 'string', default: 'eurosat-cnn:13:2,eurosat-cnn:13:1,resnet18:13:2' },
    device: { type: 'string', default: 'cpu' },
    python: { type: 'string', default: '/usr/bin/python3' },
    json: { type: 'boolean', default: false },
  },
});
const rounds = Number(args.rounds);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function run(command: string, argv: string[]): any {
  const out = execFileSync(command, argv, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  return JSON.parse(out.trim().split('\n').at(-1)!);
}

const results = [];
for (const config of args.configs.split(',')) {
  const [arch, channels, threads] = config.split(':');
  const steps = arch.startsWith('resnet') ? '15' : '30';
  const common = ['--arch', arch, '--channels', channels, '--size', '64', '--batch', '32', '--threads', threads, '--device', args.device, '--steps', steps, '--infer-batches', '20'];
  const ours: any[] = [];
  const peer: any[] = [];
  for (let r = 0; r < rounds; r++) {
    ours.push(run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'bench', 'train', ...common, '--json']));
    peer.push(run(args.python, ['bench/train_peer.py', ...common]));
    process.stderr.write(`${config} round ${r + 1}/${rounds}: tileflow ${ours[r].train_images_per_second.toFixed(1)}, PyTorch ${peer[r].train_images_per_second.toFixed(1)} training images/s\n`);
  }
  const train = median(ours.map((o) => o.train_images_per_second));
  const trainPeer = median(peer.map((p) => p.train_images_per_second));
  const inferTorch = median(ours.map((o) => o.infer_libtorch_images_per_second));
  const inferOrt = ours[0].infer_onnxruntime_images_per_second === null ? null : median(ours.map((o) => o.infer_onnxruntime_images_per_second));
  const inferPeer = median(peer.map((p) => p.infer_images_per_second));
  results.push({
    arch,
    channels: Number(channels),
    threads: Number(threads),
    device: args.device,
    rounds,
    train_images_per_second: {
      tileflow: train,
      pytorch: trainPeer,
      ratio: train / trainPeer,
      paired_ratio: median(ours.map((o, i) => o.train_images_per_second / peer[i].train_images_per_second)),
    },
    infer_images_per_second: { tileflow_libtorch: inferTorch, tileflow_onnxruntime: inferOrt, pytorch: inferPeer, libtorch_ratio: inferTorch / inferPeer, onnxruntime_ratio: inferOrt === null ? null : inferOrt / inferPeer },
    samples: { tileflow_train: ours.map((o) => o.train_images_per_second), pytorch_train: peer.map((p) => p.train_images_per_second) },
  });
}

if (args.json) {
  process.stdout.write(`${JSON.stringify(results, null, 1)}\n`);
} else {
  const f = (v: number | null) => (v === null ? 'n/a' : v.toFixed(1));
  process.stdout.write('| model | threads | train tileflow | train PyTorch | ratio | paired ratio | infer libtorch | infer ONNX Runtime | infer PyTorch | ratio (ORT) |\n|---|---|---|---|---|---|---|---|---|---|\n');
  for (const r of results) {
    process.stdout.write(
      `| ${r.arch}, ${r.channels}x64x64, batch 32 | ${r.threads} | ${f(r.train_images_per_second.tileflow)} | ${f(r.train_images_per_second.pytorch)} | ${r.train_images_per_second.ratio.toFixed(2)} | ${r.train_images_per_second.paired_ratio.toFixed(2)} | ${f(r.infer_images_per_second.tileflow_libtorch)} | ${f(r.infer_images_per_second.tileflow_onnxruntime)} | ${f(r.infer_images_per_second.pytorch)} | ${r.infer_images_per_second.onnxruntime_ratio?.toFixed(2) ?? 'n/a'} |\n`,
    );
  }
}
