/** U-Net (Ronneberger et al. 2015) for per-pixel classes: an encoder, a decoder, and skip connections between them. */
import { invalidParameter } from '../../core/errors.js';
import type { LayerNode, ModelSpec } from './spec.js';

export interface UnetOptions {
  channels: number;
  classes: number;
  size?: number;
  /** Poolings in the encoder (default 4). */
  depth?: number;
  /** Filters of the first level, doubled at each level down (default 32). */
  base?: number;
}

/** Two 3x3 convolutions with batch normalization and ReLU. */
function doubleConv(name: string, inputs: string[] | undefined, inChannels: number, out: number): LayerNode[] {
  return [
    { name: `${name}_conv1`, op: 'conv2d', inputs, in: inChannels, out, kernel: 3, padding: 1, bias: false },
    { name: `${name}_bn1`, op: 'batchnorm2d', features: out },
    { name: `${name}_relu1`, op: 'relu' },
    { name: `${name}_conv2`, op: 'conv2d', in: out, out, kernel: 3, padding: 1, bias: false },
    { name: `${name}_bn2`, op: 'batchnorm2d', features: out },
    { name: `${name}_relu2`, op: 'relu' },
  ];
}

/** The spec of a U-Net. */
export function unet(options: UnetOptions): ModelSpec {
  const { channels, classes, size = 64, depth = 4, base = 32 } = options;
  if (size % 2 ** depth !== 0) throw invalidParameter(`unet with depth ${depth} needs a chip size that is a multiple of ${2 ** depth}, got ${size}`);
  const nodes: LayerNode[] = [];
  const skips: { name: string; channels: number }[] = [];
  let inChannels = channels;
  let previous = 'input';
  for (let level = 0; level < depth; level++) {
    const width = base * 2 ** level;
    nodes.push(...doubleConv(`down${level + 1}`, [previous], inChannels, width));
    skips.push({ name: `down${level + 1}_relu2`, channels: width });
    nodes.push({ name: `pool${level + 1}`, op: 'maxpool2d', kernel: 2 });
    previous = `pool${level + 1}`;
    inChannels = width;
  }
  const bottom = base * 2 ** depth;
  nodes.push(...doubleConv('bottleneck', [previous], inChannels, bottom));
  inChannels = bottom;
  previous = 'bottleneck_relu2';
  for (let level = depth - 1; level >= 0; level--) {
    const skip = skips[level];
    nodes.push(
      { name: `up${level + 1}`, op: 'convtranspose2d', inputs: [previous], in: inChannels, out: skip.channels, kernel: 2, stride: 2 },
      { name: `merge${level + 1}`, op: 'concat', inputs: [`up${level + 1}`, skip.name] },
      ...doubleConv(`dec${level + 1}`, undefined, skip.channels * 2, skip.channels),
    );
    previous = `dec${level + 1}_relu2`;
    inChannels = skip.channels;
  }
  nodes.push({ name: 'head', op: 'conv2d', inputs: [previous], in: inChannels, out: classes, kernel: 1 });
  return { arch: 'unet', task: 'segmentation', inputShape: [channels, size, size], classes, nodes };
}
