/**
 * A small builder for the graphs of exported classical estimators: uniquely named values, initializers
 * (float, double, int64), nodes in the default or the `ai.onnx.ml` domain, and the tails every
 * classifier shares: spreading the columns of the classes a model was fitted on over all k classes,
 * and mapping a fitted-class position back to a class index.
 */
import type { AttributeValue, OnnxNode, OnnxTensor, OnnxValueInfo } from '../../data/onnx/protobuf.js';

/** The input every exported estimator reads: float features, one row per sample. */
export const INPUT_NAME = 'X';
/** The dynamic batch dimension's name. */
export const BATCH = 'N';
/** The ONNX-ML domain. */
export const ML_DOMAIN = 'ai.onnx.ml';

/** The graph's nodes, initializers and declared outputs, as the family exporters build them. */
export class GraphBuilder {
  readonly nodes: OnnxNode[] = [];
  readonly initializers: OnnxTensor[] = [];
  readonly outputs: OnnxValueInfo[] = [];
  private counter = 0;

  /** A fresh value name starting with `prefix`. */
  name(prefix: string): string {
    return `${prefix}_${this.counter++}`;
  }

  /** A float32 initializer; returns its name. */
  float(prefix: string, dims: number[], values: ArrayLike<number>): string {
    return this.tensor(prefix, dims, Float32Array.from(values));
  }

  /** A float64 initializer; returns its name. */
  double(prefix: string, dims: number[], values: ArrayLike<number>): string {
    return this.tensor(prefix, dims, Float64Array.from(values));
  }

  /** An int64 initializer; returns its name. */
  int64(prefix: string, dims: number[], values: ArrayLike<number>): string {
    return this.tensor(prefix, dims, BigInt64Array.from(Array.from(values), (v) => BigInt(v)));
  }

  private tensor(prefix: string, dims: number[], data: OnnxTensor['data']): string {
    const name = this.name(prefix);
    this.initializers.push({ name, dims, data });
    return name;
  }

  /** Adds a default-domain node with one output; returns the output's name. */
  op(op: string, inputs: string[], attributes?: Record<string, AttributeValue>): string {
    const output = this.name(op.toLowerCase());
    this.nodes.push({ op, inputs, outputs: [output], attributes });
    return output;
  }

  /** Adds an `ai.onnx.ml` node with the given number of outputs; returns their names. */
  ml(op: string, inputs: string[], outputCount: number, attributes: Record<string, AttributeValue>): string[] {
    const outputs = Array.from({ length: outputCount }, () => this.name(op.toLowerCase()));
    this.nodes.push({ op, domain: ML_DOMAIN, inputs, outputs, attributes });
    return outputs;
  }

  /** Declares graph output `name` (with its type and shape) as a copy of value `value`. */
  output(name: string, value: string, type: 'float' | 'int64', shape: (number | string)[]): void {
    this.nodes.push({ op: 'Identity', inputs: [value], outputs: [name], name: `output_${name}` });
    this.outputs.push({ name, type, shape });
  }

  /** `value` converted to float, double or int64 (ONNX `Cast`). */
  cast(value: string, to: 'float' | 'double' | 'int64'): string {
    return this.op('Cast', [value], { to: to === 'float' ? 1 : to === 'double' ? 11 : 7 });
  }

  /** The index of each row's largest value (the first one on ties, as numpy's argmax): int64 [N]. */
  argmax(value: string): string {
    return this.op('ArgMax', [value], { axis: 1, keepdims: 0, select_last_index: 0 });
  }

  /** Sums each row of `value`, keeping the axis: [N, 1]. */
  rowSum(value: string): string {
    return this.op('ReduceSum', [value, this.int64('axes', [1], [1])], { keepdims: 1 });
  }

  /** A float value of shape [N, k] whose every row is `row`, whatever X holds (for models with nothing to compute). */
  constantRows(nFeatures: number, row: ArrayLike<number>): string {
    // X times zeros is exactly zero for finite X, so the bias comes through unchanged.
    return this.op('Gemm', [INPUT_NAME, this.float('zeros', [nFeatures, row.length], new Float32Array(nFeatures * row.length)), this.float('row', [row.length], row)]);
  }

  /**
   * Spreads columns that belong to the fitted `classes` (ascending class indices) over all k class
   * columns, zeros elsewhere, as the estimators' predictProba does for classes absent at fit.
   * Multiplying by a 0/1 matrix copies each value exactly. Returns `value` when nothing moves.
   */
  spreadClasses(value: string, classes: readonly number[], k: number, precision: 'float' | 'double' = 'float'): string {
    if (isIdentity(classes, k)) return value;
    const spread = new Float64Array(classes.length * k);
    classes.forEach((c, j) => (spread[j * k + c] = 1));
    const matrix = precision === 'float' ? this.float('spread', [classes.length, k], spread) : this.double('spread', [classes.length, k], spread);
    return this.op('MatMul', [value, matrix]);
  }

  /** Maps positions among the fitted `classes` (int64 [N]) to class indices; returns `position` when they agree. */
  classOf(position: string, classes: readonly number[], k: number): string {
    if (isIdentity(classes, k)) return position;
    return this.op('Gather', [this.int64('classes', [classes.length], classes), position], { axis: 0 });
  }
}

/**
 * A float-list attribute. -0 is written as 0: JSON has no -0, so without this a model and its copy
 * restored from JSON (`fromJSON`) would export different bytes for the same predictions.
 */
export function floats(values: ArrayLike<number>): { floats: Float32Array } {
  return { floats: Float32Array.from(values, (v) => v + 0) };
}

/** Whether the fitted classes are all k classes in order, so no remapping is needed. */
function isIdentity(classes: readonly number[], k: number): boolean {
  return classes.length === k && classes.every((c, j) => c === j);
}
