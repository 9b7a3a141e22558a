/** The architectures by name, each built for a number of input channels and classes. */
import { invalidParameter } from '../../core/errors.js';
import { eurosatCnn } from './eurosat-cnn.js';
import { lstm } from './lstm.js';
import { resnet } from './resnet.js';
import { validateSpec, type ModelSpec } from './spec.js';
import { unet } from './unet.js';

export type { LayerNode, LayerOp, ModelSpec } from './spec.js';
export { validateSpec } from './spec.js';

export const ARCHITECTURES = ['eurosat-cnn', 'resnet18', 'resnet34', 'unet', 'lstm', 'torchscript'] as const;
export type Architecture = (typeof ARCHITECTURES)[number];

/** What an architecture is built for; options an architecture does not use are ignored. */
export interface ArchitectureOptions {
  arch: Architecture;
  /** Input bands (for `lstm`: bands per time step). */
  channels: number;
  classes: number;
  /** Chip edge in pixels. */
  size?: number;
  /** Time steps (`lstm`). */
  timesteps?: number;
  dropout?: number;
  /** Hidden units (`lstm`) or dense units (`eurosat-cnn`). */
  hidden?: number;
  layers?: number;
  /** Encoder depth and first-level filters (`unet`). */
  depth?: number;
  base?: number;
  /** A TorchScript module from PyTorch that maps [N, C, H, W] to features [N, F] (`torchscript`). */
  torchscript?: { path: string; features: number };
}

/** Builds and validates the spec of an architecture. */
export function buildModelSpec(options: ArchitectureOptions): ModelSpec {
  const { arch, channels, classes, size } = options;
  if (!Number.isInteger(channels) || channels < 1) throw invalidParameter(`channels must be a positive integer, got ${channels}`);
  if (!Number.isInteger(classes) || classes < 1) throw invalidParameter(`classes must be a positive integer, got ${classes}`);
  switch (arch) {
    case 'eurosat-cnn':
      return validateSpec(eurosatCnn({ channels, classes, size, dropout: options.dropout, dense: options.hidden }));
    case 'resnet18':
    case 'resnet34':
      return validateSpec(resnet(arch, { channels, classes, size }));
    case 'unet':
      return validateSpec(unet({ channels, classes, size, depth: options.depth, base: options.base }));
    case 'lstm':
      if (!options.timesteps) throw invalidParameter('lstm needs the number of time steps (timesteps)');
      return validateSpec(lstm({ features: channels, timesteps: options.timesteps, classes, hidden: options.hidden, layers: options.layers }));
    case 'torchscript': {
      const ts = options.torchscript;
      if (!ts?.path || !ts.features) throw invalidParameter('a torchscript model needs its file (path) and its feature count (features)');
      return validateSpec({
        arch: 'torchscript',
        task: 'classification',
        inputShape: [channels, size ?? 64, size ?? 64],
        classes,
        nodes: [
          { name: 'backbone', op: 'torchscript', path: ts.path },
          { name: 'head', op: 'linear', in: ts.features, out: classes },
        ],
      });
    }
    default:
      throw invalidParameter(`unknown architecture '${arch as string}'; expected one of ${ARCHITECTURES.join(', ')}`);
  }
}
