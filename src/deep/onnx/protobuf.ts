/**
 * Writes ONNX's protobuf messages (onnx/onnx.proto, IR version 8) with protobufjs' low-level writer.
 * Only the fields tileflow emits are covered: a model, its graph, nodes with int/float/ints attributes,
 * float and int64 initializers as raw little-endian bytes, and typed inputs and outputs.
 */
import protobuf from 'protobufjs';

const { Writer } = protobuf;
type W = protobuf.Writer;

/** Field tag for a wire type: 0 varint, 2 length-delimited, 5 32-bit. */
const tag = (field: number, wire: 0 | 2 | 5) => (field << 3) | wire;

export type AttributeValue = number | number[] | { float: number } | string;

export interface OnnxNode {
  op: string;
  inputs: string[];
  outputs: string[];
  name?: string;
  attributes?: Record<string, AttributeValue>;
}

export interface OnnxTensor {
  name: string;
  dims: number[];
  /** Float32 or int64 (BigInt64Array) values. */
  data: Float32Array | BigInt64Array;
}

export interface OnnxValueInfo {
  name: string;
  /** A number is a fixed size; a string names a dynamic dimension (`batch`). */
  shape: (number | string)[];
}

export interface OnnxModel {
  graphName: string;
  nodes: OnnxNode[];
  initializers: OnnxTensor[];
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
  opset: number;
  producerVersion: string;
  docString?: string;
  metadata?: Record<string, string>;
}

const FLOAT = 1;
const INT64 = 7;
// AttributeProto.AttributeType
const ATTR_FLOAT = 1;
const ATTR_INT = 2;
const ATTR_STRING = 3;
const ATTR_INTS = 7;

function message(w: W, field: number, body: (w: W) => void): void {
  w.uint32(tag(field, 2)).fork();
  body(w);
  w.ldelim();
}

function attribute(w: W, name: string, value: AttributeValue): void {
  message(w, 5, (a) => {
    a.uint32(tag(1, 2)).string(name);
    if (typeof value === 'string') {
      a.uint32(tag(20, 0)).int32(ATTR_STRING);
      a.uint32(tag(4, 2)).bytes(Buffer.from(value, 'utf8'));
    } else if (typeof value === 'number') {
      a.uint32(tag(20, 0)).int32(ATTR_INT);
      a.uint32(tag(3, 0)).int64(value);
    } else if (Array.isArray(value)) {
      a.uint32(tag(20, 0)).int32(ATTR_INTS);
      for (const v of value) a.uint32(tag(8, 0)).int64(v);
    } else {
      a.uint32(tag(20, 0)).int32(ATTR_FLOAT);
      a.uint32(tag(2, 5)).float(value.float);
    }
  });
}

function tensor(w: W, field: number, t: OnnxTensor): void {
  message(w, field, (m) => {
    for (const d of t.dims) m.uint32(tag(1, 0)).int64(d);
    m.uint32(tag(2, 0)).int32(t.data instanceof Float32Array ? FLOAT : INT64);
    m.uint32(tag(8, 2)).string(t.name);
    m.uint32(tag(9, 2)).bytes(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  });
}

function valueInfo(w: W, field: number, v: OnnxValueInfo): void {
  message(w, field, (m) => {
    m.uint32(tag(1, 2)).string(v.name);
    message(m, 2, (type) =>
      message(type, 1, (tensorType) => {
        tensorType.uint32(tag(1, 0)).int32(FLOAT);
        message(tensorType, 2, (shape) => {
          for (const d of v.shape) {
            message(shape, 1, (dim) => {
              if (typeof d === 'number') dim.uint32(tag(1, 0)).int64(d);
              else dim.uint32(tag(2, 2)).string(d);
            });
          }
        });
      }),
    );
  });
}

/** Serializes a model to the bytes of an `.onnx` file. */
export function encodeModel(model: OnnxModel): Uint8Array {
  const w = Writer.create();
  w.uint32(tag(1, 0)).int64(8); // ir_version
  w.uint32(tag(2, 2)).string('tileflow');
  w.uint32(tag(3, 2)).string(model.producerVersion);
  if (model.docString) w.uint32(tag(6, 2)).string(model.docString);
  message(w, 7, (g) => {
    model.nodes.forEach((node, i) =>
      message(g, 1, (n) => {
        for (const input of node.inputs) n.uint32(tag(1, 2)).string(input);
        for (const output of node.outputs) n.uint32(tag(2, 2)).string(output);
        n.uint32(tag(3, 2)).string(node.name ?? `${node.op}_${i}`);
        n.uint32(tag(4, 2)).string(node.op);
        for (const [name, value] of Object.entries(node.attributes ?? {})) attribute(n, name, value);
      }),
    );
    g.uint32(tag(2, 2)).string(model.graphName);
    for (const t of model.initializers) tensor(g, 5, t);
    for (const v of model.inputs) valueInfo(g, 11, v);
    for (const v of model.outputs) valueInfo(g, 12, v);
  });
  message(w, 8, (o) => {
    o.uint32(tag(1, 2)).string('');
    o.uint32(tag(2, 0)).int64(model.opset);
  });
  for (const [key, value] of Object.entries(model.metadata ?? {})) {
    message(w, 14, (m) => {
      m.uint32(tag(1, 2)).string(key);
      m.uint32(tag(2, 2)).string(value);
    });
  }
  return w.finish();
}
