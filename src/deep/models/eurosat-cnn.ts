/**
 * The EuroSAT CNN of the Keras pipeline tileflow replaces: four blocks of 3x3 convolution, ReLU, batch
 * normalization, 2x2 max pooling and dropout, then a dense layer and the class output.
 */
import { invalidParameter } from '../../core/errors.js';
import type { LayerNode, ModelSpec } from './spec.js';

export interface EurosatCnnOptions {
  channels: number;
  classes: number;
  /** Chip edge in pixels; a multiple of 16 (four poolings). */
  size?: number;
  filters?: [number, number, number, number];
  dense?: number;
  dropout?: number;
}

/** The spec of the EuroSAT CNN. */
export function eurosatCnn(options: EurosatCnnOptions): ModelSpec {
  const { channels, classes, size = 64, filters = [32, 64, 128, 256], dense = 256, dropout = 0.25 } = options;
  if (size % 16 !== 0) throw invalidParameter(`eurosat-cnn needs a chip size that is a multiple of 16, got ${size}`);
  const nodes: LayerNode[] = [];
  let inChannels = channels;
  filters.forEach((out, i) => {
    const b = `block${i + 1}`;
    nodes.push(
      { name: `${b}_conv`, op: 'conv2d', in: inChannels, out, kernel: 3, padding: 1 },
      { name: `${b}_relu`, op: 'relu' },
      { name: `${b}_bn`, op: 'batchnorm2d', features: out },
      { name: `${b}_pool`, op: 'maxpool2d', kernel: 2 },
      { name: `${b}_dropout`, op: 'dropout', p: dropout },
    );
    inChannels = out;
  });
  const edge = size / 16;
  nodes.push(
    { name: 'flatten', op: 'flatten' },
    { name: 'dense', op: 'linear', in: inChannels * edge * edge, out: dense },
    { name: 'dense_relu', op: 'relu' },
    { name: 'dense_dropout', op: 'dropout', p: dropout },
    { name: 'classifier', op: 'linear', in: dense, out: classes },
  );
  return { arch: 'eurosat-cnn', task: 'classification', inputShape: [channels, size, size], classes, nodes };
}
