/**
 * A model spec: a small layer graph that both the libtorch engine builds and the ONNX writer
 * translates, so one description gives the trained network and its exported file. Each node reads the
 * previous node's output unless it names its `inputs` (`input` is the graph input); the last node's
 * output is the logits (softmax is applied at prediction and in the ONNX graph).
 */
import { invalidParameter } from '../../core/errors.js';

/** Layer operations, named as in PyTorch. */
export type LayerOp =
  | 'conv2d'
  | 'convtranspose2d'
  | 'batchnorm2d'
  | 'linear'
  | 'relu'
  | 'sigmoid'
  | 'maxpool2d'
  | 'globalavgpool'
  | 'dropout'
  | 'flatten'
  | 'add'
  | 'concat'
  | 'lstm'
  | 'torchscript';

/** One node: its operation, inputs and parameters (PyTorch's names: in/out channels, kernel, stride, …). */
export interface LayerNode {
  name: string;
  op: LayerOp;
  inputs?: string[];
  in?: number;
  out?: number;
  kernel?: number;
  stride?: number;
  padding?: number;
  outputPadding?: number;
  bias?: boolean;
  features?: number;
  eps?: number;
  momentum?: number;
  /** Dropout probability. */
  p?: number;
  hidden?: number;
  layers?: number;
  /** TorchScript file (op `torchscript`). */
  path?: string;
}

/** A model: what it takes, what it predicts, and its layers. */
export interface ModelSpec {
  arch: string;
  task: 'classification' | 'segmentation';
  /** Input shape without the batch axis: [C, H, W] for images, [T, F] for time series. */
  inputShape: number[];
  classes: number;
  nodes: LayerNode[];
}

const REQUIRED: Partial<Record<LayerOp, (keyof LayerNode)[]>> = {
  conv2d: ['in', 'out', 'kernel'],
  convtranspose2d: ['in', 'out', 'kernel'],
  batchnorm2d: ['features'],
  linear: ['in', 'out'],
  maxpool2d: ['kernel'],
  lstm: ['in', 'hidden'],
  torchscript: ['path'],
};

const OPS = new Set<LayerOp>([
  'conv2d', 'convtranspose2d', 'batchnorm2d', 'linear', 'relu', 'sigmoid', 'maxpool2d', 'globalavgpool',
  'dropout', 'flatten', 'add', 'concat', 'lstm', 'torchscript',
]);

/** Checks names, references and required parameters; throws INVALID_PARAMETER_VALUE naming the node. */
export function validateSpec(spec: ModelSpec): ModelSpec {
  if (!Array.isArray(spec.nodes) || spec.nodes.length === 0) throw invalidParameter('a model spec needs at least one node');
  if (!Number.isInteger(spec.classes) || spec.classes < 1) throw invalidParameter(`classes must be a positive integer, got ${spec.classes}`);
  if (!spec.inputShape.every((d) => Number.isInteger(d) && d > 0)) throw invalidParameter(`input shape must be positive integers, got [${spec.inputShape}]`);
  const seen = new Set<string>(['input']);
  for (const node of spec.nodes) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(node.name ?? '')) throw invalidParameter(`node name '${node.name}' must be letters, digits and underscores`);
    if (seen.has(node.name)) throw invalidParameter(`node name '${node.name}' is used twice (or is the reserved 'input')`);
    if (!OPS.has(node.op)) throw invalidParameter(`node ${node.name}: unknown operation '${node.op}'`);
    for (const key of REQUIRED[node.op] ?? []) {
      if (node[key] === undefined) throw invalidParameter(`node ${node.name} (${node.op}) needs '${key}'`);
    }
    for (const input of node.inputs ?? []) {
      if (!seen.has(input)) throw invalidParameter(`node ${node.name} reads '${input}', which is not an earlier node`);
    }
    if ((node.op === 'add' || node.op === 'concat') && (node.inputs?.length ?? 0) < 2) {
      throw invalidParameter(`node ${node.name} (${node.op}) needs at least two inputs`);
    }
    seen.add(node.name);
  }
  return spec;
}
