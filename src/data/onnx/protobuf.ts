/**
 * Writes ONNX's protobuf messages (onnx/onnx.proto, IR version 8) with protobufjs' low-level writer.
 * Only the fields tileflow emits are covered: a model, its graph, nodes (in the default or the
 * `ai.onnx.ml` domain) with int/float/string attributes and their lists, float, double and int64
 * initializers as raw little-endian bytes, and float, double or int64 tensor inputs and outputs.
 * Shared by the deep models' exporter (`src/deep/onnx`) and the classical estimators' (`src/learn/onnx`).
 */
import protobuf from 'protobufjs';

const { Writer } = protobuf;
type W = protobuf.Writer;

/** Field tag for a wire type: 0 varint, 2 length-delimited, 5 32-bit. */
const tag = (field: number, wire: 0 | 2 | 5) => (field << 3) | wire;

/** An attribute: int, ints, float, floats, string, strings. */
export type AttributeValue = number | number[] | { float: number } | { floats: ArrayLike<number> } | string | { strings: string[] };

export interface OnnxNode {
  op: string;
  /** Operator domain: '' (default, ONNX) or 'ai.onnx.ml'. */
  domain?: string;
  inputs: string[];
  outputs: string[];
  name?: string;
  attributes?: Record<string, AttributeValue>;
}

export interface OnnxTensor {
  name: string;
  dims: number[];
  /** Float32, float64 (double) or int64 (BigInt64Array) values. */
  data: Float32Array | Float64Array | BigInt64Array;
}

export interface OnnxValueInfo {
  name: string;
  /** Element type (default float). */
  type?: 'float' | 'double' | 'int64';
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
  /** Opset of the `ai.onnx.ml` domain, when nodes use it. */
  mlOpset?: number;
  producerVersion: string;
  docString?: string;
  metadata?: Record<string, string>;
}

// TensorProto.DataType
const FLOAT = 1;
const INT64 = 7;
const DOUBLE = 11;
// AttributeProto.AttributeType
const ATTR_FLOAT = 1;
const ATTR_INT = 2;
const ATTR_STRING = 3;
const ATTR_FLOATS = 6;
const ATTR_INTS = 7;
const ATTR_STRINGS = 8;

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
    } else if ('floats' in value) {
      a.uint32(tag(20, 0)).int32(ATTR_FLOATS);
      for (let i = 0; i < value.floats.length; i++) a.uint32(tag(7, 5)).float(value.floats[i]);
    } else if ('strings' in value) {
      a.uint32(tag(20, 0)).int32(ATTR_STRINGS);
      for (const v of value.strings) a.uint32(tag(9, 2)).bytes(Buffer.from(v, 'utf8'));
    } else {
      a.uint32(tag(20, 0)).int32(ATTR_FLOAT);
      a.uint32(tag(2, 5)).float(value.float);
    }
  });
}

function tensor(w: W, field: number, t: OnnxTensor): void {
  message(w, field, (m) => {
    for (const d of t.dims) m.uint32(tag(1, 0)).int64(d);
    m.uint32(tag(2, 0)).int32(t.data instanceof Float32Array ? FLOAT : t.data instanceof Float64Array ? DOUBLE : INT64);
    m.uint32(tag(8, 2)).string(t.name);
    m.uint32(tag(9, 2)).bytes(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  });
}

function valueInfo(w: W, field: number, v: OnnxValueInfo): void {
  message(w, field, (m) => {
    m.uint32(tag(1, 2)).string(v.name);
    message(m, 2, (type) =>
      message(type, 1, (tensorType) => {
        tensorType.uint32(tag(1, 0)).int32(v.type === 'int64' ? INT64 : v.type === 'double' ? DOUBLE : FLOAT);
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
        if (node.domain) n.uint32(tag(7, 2)).string(node.domain);
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
  if (model.mlOpset !== undefined) {
    message(w, 8, (o) => {
      o.uint32(tag(1, 2)).string('ai.onnx.ml');
      o.uint32(tag(2, 0)).int64(model.mlOpset as number);
    });
  }
  for (const [key, value] of Object.entries(model.metadata ?? {})) {
    message(w, 14, (m) => {
      m.uint32(tag(1, 2)).string(key);
      m.uint32(tag(2, 2)).string(value);
    });
  }
  return w.finish();
}
