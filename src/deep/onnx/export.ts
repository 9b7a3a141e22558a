/**
 * ONNX export: translates a model spec and its trained tensors into an ONNX graph (opset 17), the
 * PyTorch layer of each node becoming its ONNX operator. Dropout is the identity at inference and is
 * left out; a softmax over the class axis ends the graph, so the output is class probabilities.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { invalidParameter } from '../../core/errors.js';
import type { NamedTensor } from '../engine/torch.js';
import type { LayerNode, ModelSpec } from '../models/spec.js';
import { encodeModel, type OnnxModel, type OnnxNode, type OnnxTensor } from '../../data/onnx/protobuf.js';

export const OPSET = 17;
export const INPUT_NAME = 'input';
export const OUTPUT_NAME = 'probabilities';

/** What to write besides the graph. */
export interface ExportOptions {
  producerVersion?: string;
  docString?: string;
  metadata?: Record<string, string>;
}

/** PyTorch orders LSTM gates input, forget, cell, output; ONNX input, output, forget, cell. */
function reorderGates(data: Float32Array, hidden: number, rowLength: number): Float32Array {
  const out = new Float32Array(data.length);
  const block = hidden * rowLength;
  [0, 3, 1, 2].forEach((from, to) => out.set(data.subarray(from * block, (from + 1) * block), to * block));
  return out;
}

/** Builds the ONNX model of a spec with the tensors of a trained model. */
export function toOnnxModel(spec: ModelSpec, tensors: NamedTensor[], options: ExportOptions = {}): OnnxModel {
  const byName = new Map(tensors.map((t) => [t.name, t]));
  const initializers: OnnxTensor[] = [];
  const take = (name: string): string => {
    const t = byName.get(name);
    if (!t) throw invalidParameter(`the model has no tensor ${name} for ONNX export`);
    if (!initializers.some((i) => i.name === name)) initializers.push({ name, dims: t.shape, data: t.data });
    return name;
  };
  const constant = (name: string, values: number[]): string => {
    initializers.push({ name, dims: [values.length], data: BigInt64Array.from(values.map(BigInt)) });
    return name;
  };
  const nodes: OnnxNode[] = [];
  // The ONNX value holding each spec node's output (dropout forwards its input's value).
  const valueOf = new Map<string, string>([['input', INPUT_NAME]]);
  let previous = INPUT_NAME;
  for (const node of spec.nodes) {
    const inputs = node.inputs?.length ? node.inputs.map((n) => valueOf.get(n)!) : [previous];
    const out = node.name;
    const emit = (op: string, ins: string[], attributes?: OnnxNode['attributes']) =>
      nodes.push({ op, name: node.name, inputs: ins, outputs: [out], attributes });
    switch (node.op) {
      case 'conv2d': {
        const k = node.kernel!;
        const p = node.padding ?? 0;
        const s = node.stride ?? 1;
        const ins = [inputs[0], take(`${node.name}.weight`)];
        if (node.bias !== false) ins.push(take(`${node.name}.bias`));
        emit('Conv', ins, { kernel_shape: [k, k], strides: [s, s], pads: [p, p, p, p] });
        break;
      }
      case 'convtranspose2d': {
        const k = node.kernel!;
        const p = node.padding ?? 0;
        const s = node.stride ?? 1;
        const op = node.outputPadding ?? 0;
        emit('ConvTranspose', [inputs[0], take(`${node.name}.weight`), take(`${node.name}.bias`)], {
          kernel_shape: [k, k],
          strides: [s, s],
          pads: [p, p, p, p],
          output_padding: [op, op],
        });
        break;
      }
      case 'batchnorm2d':
        emit(
          'BatchNormalization',
          [inputs[0], take(`${node.name}.weight`), take(`${node.name}.bias`), take(`${node.name}.running_mean`), take(`${node.name}.running_var`)],
          { epsilon: { float: node.eps ?? 1e-5 } },
        );
        break;
      case 'linear':
        emit('Gemm', [inputs[0], take(`${node.name}.weight`), take(`${node.name}.bias`)], { transB: 1 });
        break;
      case 'relu':
        emit('Relu', inputs);
        break;
      case 'sigmoid':
        emit('Sigmoid', inputs);
        break;
      case 'maxpool2d': {
        const k = node.kernel!;
        const s = node.stride ?? k;
        const p = node.padding ?? 0;
        emit('MaxPool', inputs, { kernel_shape: [k, k], strides: [s, s], pads: [p, p, p, p] });
        break;
      }
      case 'globalavgpool':
        emit('GlobalAveragePool', inputs);
        break;
      case 'flatten':
        emit('Flatten', inputs, { axis: 1 });
        break;
      case 'add':
        if (inputs.length === 2) emit('Add', inputs);
        else emit('Sum', inputs);
        break;
      case 'concat':
        emit('Concat', inputs, { axis: 1 });
        break;
      case 'dropout':
        valueOf.set(node.name, inputs[0]);
        previous = inputs[0];
        continue;
      case 'lstm':
        lstmNodes(node, inputs[0], byName, initializers, nodes, constant);
        break;
      case 'torchscript':
        throw invalidParameter(
          `node ${node.name} is a TorchScript module, which tileflow cannot translate to ONNX; export the backbone from PyTorch with torch.onnx.export`,
        );
      default:
        throw invalidParameter(`node ${node.name}: no ONNX translation for ${(node as LayerNode).op}`);
    }
    valueOf.set(node.name, out);
    previous = out;
  }
  nodes.push({ op: 'Softmax', name: 'softmax', inputs: [previous], outputs: [OUTPUT_NAME], attributes: { axis: 1 } });
  const outputShape = spec.task === 'segmentation' ? ['batch', spec.classes, spec.inputShape[1], spec.inputShape[2]] : ['batch', spec.classes];
  return {
    graphName: spec.arch,
    nodes,
    initializers,
    inputs: [{ name: INPUT_NAME, shape: ['batch', ...spec.inputShape] }],
    outputs: [{ name: OUTPUT_NAME, shape: outputShape }],
    opset: OPSET,
    producerVersion: options.producerVersion ?? '0',
    docString: options.docString,
    metadata: options.metadata,
  };
}

/**
 * A stacked LSTM as one ONNX LSTM per layer, ending in the last hidden state [N, H]. ONNX Runtime runs
 * only sequence-first LSTMs (layout 0), so the batch-first input is transposed to [T, N, F] first.
 */
function lstmNodes(
  node: LayerNode,
  input: string,
  byName: Map<string, NamedTensor>,
  initializers: OnnxTensor[],
  nodes: OnnxNode[],
  constant: (name: string, values: number[]) => string,
): void {
  const hidden = node.hidden!;
  const layers = node.layers ?? 1;
  const get = (suffix: string): NamedTensor => {
    const t = byName.get(`${node.name}.lstm.${suffix}`);
    if (!t) throw invalidParameter(`the model has no tensor ${node.name}.lstm.${suffix} for ONNX export`);
    return t;
  };
  nodes.push({ op: 'Transpose', name: `${node.name}_time_first`, inputs: [input], outputs: [`${node.name}_tnf`], attributes: { perm: [1, 0, 2] } });
  let x = `${node.name}_tnf`;
  for (let l = 0; l < layers; l++) {
    const wih = get(`weight_ih_l${l}`);
    const whh = get(`weight_hh_l${l}`);
    const bias = new Float32Array(8 * hidden);
    bias.set(reorderGates(get(`bias_ih_l${l}`).data, hidden, 1), 0);
    bias.set(reorderGates(get(`bias_hh_l${l}`).data, hidden, 1), 4 * hidden);
    const prefix = `${node.name}_l${l}`;
    initializers.push(
      { name: `${prefix}_W`, dims: [1, 4 * hidden, wih.shape[1]], data: reorderGates(wih.data, hidden, wih.shape[1]) },
      { name: `${prefix}_R`, dims: [1, 4 * hidden, hidden], data: reorderGates(whh.data, hidden, hidden) },
      { name: `${prefix}_B`, dims: [1, 8 * hidden], data: bias },
    );
    nodes.push({
      op: 'LSTM',
      name: prefix,
      inputs: [x, `${prefix}_W`, `${prefix}_R`, `${prefix}_B`],
      outputs: [`${prefix}_Y`, `${prefix}_Y_h`],
      attributes: { hidden_size: hidden },
    });
    if (l < layers - 1) {
      // Y is [T, 1, N, H]; the next layer reads [T, N, H].
      const shape = constant(`${prefix}_sequence_shape`, [0, -1, hidden]);
      nodes.push({ op: 'Reshape', name: `${prefix}_sequence`, inputs: [`${prefix}_Y`, shape], outputs: [`${prefix}_seq`] });
      x = `${prefix}_seq`;
    } else {
      // Y_h is [1, N, H]; the classifier reads [N, H].
      const shape = constant(`${node.name}_hidden_shape`, [-1, hidden]);
      nodes.push({ op: 'Reshape', name: `${prefix}_hidden`, inputs: [`${prefix}_Y_h`, shape], outputs: [node.name] });
    }
  }
}

/** Writes the ONNX file of a spec and trained tensors; returns its size in bytes. */
export async function writeOnnx(file: string, spec: ModelSpec, tensors: NamedTensor[], options: ExportOptions = {}): Promise<number> {
  const bytes = encodeModel(toOnnxModel(spec, tensors, options));
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, bytes);
  return bytes.byteLength;
}
