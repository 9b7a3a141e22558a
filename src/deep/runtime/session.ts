/**
 * Inference with ONNX Runtime (onnxruntime-node, CPU provider): tileflow's exported models and ONNX
 * files from any framework. Inputs larger than the batch size are cut along the first axis and run
 * batch by batch, so memory stays bounded whatever the number of chips.
 */
import * as ort from 'onnxruntime-node';
import { invalidParameter } from '../../core/errors.js';

export interface SessionOptions {
  /** Intra-op threads (default: ONNX Runtime's choice, one per core). */
  threads?: number;
  /** Samples per run (default 64). */
  batchSize?: number;
  /**
   * Whether idle intra-op threads spin waiting for work (ONNX Runtime's default, true). Spinning buys a
   * little latency on an otherwise idle machine and burns cores that other work on the machine needs.
   */
  spinning?: boolean;
}

/** One output of `runAll`: its values (float32, float64 or int64, as the model declares) and shape. */
export interface OutputTensor {
  data: Float32Array | Float64Array | BigInt64Array;
  shape: number[];
}

/** A loaded ONNX model. */
export class OnnxSession {
  private constructor(
    private readonly session: ort.InferenceSession,
    readonly batchSize: number,
  ) {}

  /** Loads an ONNX file (path or bytes); a file that is not a loadable model is INVALID_PARAMETER_VALUE. */
  static async open(model: string | Uint8Array, options: SessionOptions = {}): Promise<OnnxSession> {
    const batchSize = options.batchSize ?? 64;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw invalidParameter(`batch size must be a positive integer, got ${batchSize}`);
    const sessionOptions: ort.InferenceSession.SessionOptions = {
      executionProviders: ['cpu'],
      graphOptimizationLevel: 'all',
      interOpNumThreads: 1,
      ...(options.threads ? { intraOpNumThreads: options.threads } : {}),
      ...(options.spinning === false ? { extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } } } : {}),
    };
    try {
      const session =
        typeof model === 'string' ? await ort.InferenceSession.create(model, sessionOptions) : await ort.InferenceSession.create(model, sessionOptions);
      return new OnnxSession(session, batchSize);
    } catch (error) {
      const where = typeof model === 'string' ? model : `${model.byteLength} bytes`;
      throw invalidParameter(`cannot load the ONNX model ${where}: ${(error as Error).message}`);
    }
  }

  get inputNames(): readonly string[] {
    return this.session.inputNames;
  }

  get outputNames(): readonly string[] {
    return this.session.outputNames;
  }

  /** The first input's element type and shape as the model declares it (symbolic dimensions as -1). */
  get inputSignature(): { name: string; type: string; shape: number[] } {
    const meta = this.session.inputMetadata[0];
    if (!meta?.isTensor) return { name: this.session.inputNames[0], type: 'unknown', shape: [] };
    return { name: meta.name, type: meta.type, shape: meta.shape.map((d) => (typeof d === 'number' && d > 0 ? d : -1)) };
  }

  /** Runs float32 input of `shape` ([N, …]) through the model; returns the first output, batches concatenated. */
  async run(x: Float32Array, shape: number[]): Promise<{ data: Float32Array; shape: number[] }> {
    const count = shape.reduce((a, b) => a * b, 1);
    if (count !== x.length) throw invalidParameter(`input has ${x.length} values but shape [${shape.join(', ')}] holds ${count}`);
    const [n, ...rest] = shape;
    const per = count / Math.max(n, 1);
    const parts: { data: Float32Array; dims: readonly number[] }[] = [];
    for (let start = 0; start < n; start += this.batchSize) {
      const end = Math.min(n, start + this.batchSize);
      const tensor = new ort.Tensor('float32', x.subarray(start * per, end * per), [end - start, ...rest]);
      let result: ort.InferenceSession.OnnxValueMapType;
      try {
        result = await this.session.run({ [this.session.inputNames[0]]: tensor });
      } catch (error) {
        throw invalidParameter(`the ONNX model rejected input of shape [${[end - start, ...rest].join(', ')}]: ${(error as Error).message}`);
      }
      const out = result[this.session.outputNames[0]] as ort.Tensor;
      parts.push({ data: out.data as Float32Array, dims: out.dims });
    }
    if (parts.length === 0) return { data: new Float32Array(0), shape: [0] };
    const outShape = [n, ...parts[0].dims.slice(1)];
    const data = new Float32Array(outShape.reduce((a, b) => a * b, 1));
    let offset = 0;
    for (const p of parts) {
      data.set(p.data, offset);
      offset += p.data.length;
    }
    return { data, shape: outShape };
  }

  /**
   * Runs float32 input of `shape` ([N, …]) like `run`, but returns every output by name (a classifier's
   * `label` and `probabilities`, say), each with its own element type, batches concatenated.
   */
  async runAll(x: Float32Array, shape: number[]): Promise<Record<string, OutputTensor>> {
    const count = shape.reduce((a, b) => a * b, 1);
    if (count !== x.length) throw invalidParameter(`input has ${x.length} values but shape [${shape.join(', ')}] holds ${count}`);
    const [n, ...rest] = shape;
    const per = count / Math.max(n, 1);
    const parts = new Map<string, ort.Tensor[]>(this.session.outputNames.map((name) => [name, []]));
    for (let start = 0; start < n; start += this.batchSize) {
      const end = Math.min(n, start + this.batchSize);
      const tensor = new ort.Tensor('float32', x.subarray(start * per, end * per), [end - start, ...rest]);
      let result: ort.InferenceSession.OnnxValueMapType;
      try {
        result = await this.session.run({ [this.session.inputNames[0]]: tensor });
      } catch (error) {
        throw invalidParameter(`the ONNX model rejected input of shape [${[end - start, ...rest].join(', ')}]: ${(error as Error).message}`);
      }
      for (const name of this.session.outputNames) parts.get(name)!.push(result[name] as ort.Tensor);
    }
    const outputs: Record<string, OutputTensor> = {};
    for (const [name, tensors] of parts) {
      if (tensors.length === 0) {
        outputs[name] = { data: new Float32Array(0), shape: [0] };
        continue;
      }
      const first = tensors[0].data as OutputTensor['data'];
      const outShape = [n, ...tensors[0].dims.slice(1)];
      const data = new (first.constructor as new (length: number) => OutputTensor['data'])(outShape.reduce((a, b) => a * b, 1));
      let offset = 0;
      for (const t of tensors) {
        (data as Float32Array).set(t.data as Float32Array, offset);
        offset += (t.data as ArrayLike<unknown>).length;
      }
      outputs[name] = { data, shape: outShape };
    }
    return outputs;
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}
