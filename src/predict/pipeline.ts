/**
 * The tile pipeline of one prediction: the tiles still to do are read as supertiles (reads run ahead
 * of inference), scaled as the model's MLM item says, batched through ONNX Runtime, turned into class
 * scores, boxes or masks, and recorded per tile by quadkey. Tiles that fail to read are recorded
 * with the reason and tried again on the next pass; a pass only takes tiles not yet done, so running
 * a prediction again after a crash or a cancel resumes it without repeating or skipping a tile.
 */
import { TileflowError } from '../core/errors.js';
import type { RunRecorder } from '../core/run-recorder.js';
import type { OnnxSession } from '../deep/runtime/session.js';
import type { Resampling } from '../data/raster/types.js';
import { tileFromQuadkey } from '../geo/tiles.js';
import { scaleInput, type ModelDescriptor } from './model.js';
import { classScores } from './postprocess/classification.js';
import { boxesToFeatures, decodeDetections, mergeAcrossTiles, nonMaxSuppression } from './postprocess/detection.js';
import { classMask, maskPng, maskPolygons } from './postprocess/segmentation.js';
import { TileReader, type TileWindow } from './reader.js';
import type { PredictStore } from './store/predict-store.js';
import type { Prediction, TileResult } from './types.js';

/** How a prediction is run. */
export interface PipelineOptions {
  /** Tiles per inference batch (default 32). */
  batchSize?: number;
  /** Supertile reads in flight ahead of inference (default: enough for 3 batches, at least 4). */
  readAhead?: number;
  /** Passes over failed tiles, the first included (default 3). */
  maxAttempts?: number;
  /** Detection: boxes under this score are dropped (default 0.25). */
  scoreThreshold?: number;
  /** Detection: IoU above which boxes of a class are one object (default 0.5). */
  iouThreshold?: number;
  resampling?: Resampling;
  /** 1-based imagery bands in model order (default: the first non-alpha bands). */
  bands?: number[];
  /** Called after every recorded batch. */
  onProgress?: (prediction: Prediction) => void;
  recorder?: RunRecorder;
}

/** What the pipeline runs with: the model and its session, the imagery reader, the store. */
export interface PipelineInputs {
  store: PredictStore;
  model: ModelDescriptor;
  /**
   * An ONNX Runtime session; a `WorkerOnnxSession` keeps this thread free to read ahead while the model
   * runs, and an `OnnxSessionPool` runs `concurrency` batches at once.
   */
  session: Pick<OnnxSession, 'runAll'> & { concurrency?: number };
  reader: TileReader;
}

/** Class names that mean "nothing here": their segmentation regions are not turned into polygons. */
const BACKGROUND = /^(background|no[ _-]?data|none|unlabel(l)?ed|other)$/i;

/** The input window of a prediction: the core pixels per tile side and the context around it. */
export function windowOf(model: ModelDescriptor, overlap: number): { core: number; side: number } {
  const fixed = model.height ?? model.width;
  if (model.height !== null && model.width !== null && model.height !== model.width) {
    throw new TileflowError('INVALID_PARAMETER_VALUE', `the model takes ${model.width}x${model.height} input; tileflow predicts on square tiles`);
  }
  if (model.task === 'classification') {
    if (overlap) throw new TileflowError('INVALID_PARAMETER_VALUE', 'overlap applies to detection and segmentation; a classifier sees exactly its tile');
    const side = fixed ?? 256;
    return { core: side, side };
  }
  if (fixed !== null) {
    const core = fixed - 2 * overlap;
    if (core < 16) throw new TileflowError('INVALID_PARAMETER_VALUE', `overlap ${overlap} leaves ${core} pixels of a ${fixed}-pixel input for the tile itself; use a smaller overlap`);
    return { core, side: fixed };
  }
  return { core: 256, side: 256 + 2 * overlap };
}

/** Runs the tiles of `prediction` that are not done yet; returns the prediction as recorded at the end. */
export async function runTiles(inputs: PipelineInputs, prediction: Prediction, options: PipelineOptions = {}, signal?: AbortSignal): Promise<Prediction> {
  const { store, model, session, reader } = inputs;
  const batchSize = options.batchSize ?? 32;
  // Reads are queued far enough ahead that the next batches' tiles are fetched and decoded while the model runs.
  const readAhead = options.readAhead ?? Math.max(4, Math.ceil((3 * batchSize) / 16));
  const maxAttempts = options.maxAttempts ?? 3;
  const { core, side } = windowOf(model, prediction.overlap);
  if (prediction.overlap && !reader.supportsOverlap) throw new TileflowError('INVALID_PARAMETER_VALUE', 'this imagery is read tile by tile (a STAC mosaic or a tile list): overlap must be 0');
  const spec = { core, overlap: prediction.overlap, bands: reader.bandsFor(model.channels, options.bands), resampling: options.resampling ?? 'bilinear' };
  const started = Date.now();
  let step = 0;

  const plane = side * side;
  const perTile = model.channels * plane;
  const affine = affineScaling(model);
  // Batches the model runs at once (a session pool runs several); one more is scaled meanwhile.
  const depth = Math.max(1, session.concurrency ?? 1);
  // Input buffers used in turn, one per batch that may be in the model or being scaled.
  const buffers = Array.from({ length: depth + 1 }, () => new Float32Array(0));
  let turn = 0;
  /** Batches sent and not yet recorded, oldest first: each one's inference, post-processing and recording, in order after the one before. */
  const sent: Promise<void>[] = [];
  let inFlight: Promise<void> = Promise.resolve();

  const progress = async (): Promise<void> => {
    const log = options.recorder && step++ % 10 === 0;
    if (!options.onProgress && !log) return;
    const current = await store.getPrediction(prediction.id);
    options.onProgress?.(current);
    if (log) {
      await options.recorder!.logMetrics({ tiles_done: current.tilesDone, tiles_failed: current.tilesFailed, tiles_per_second: current.tilesDone / Math.max(1e-3, (Date.now() - started) / 1000) }, step);
    }
  };

  /**
   * Sends a batch to the model as soon as it is scaled, then waits until at most `depth` batches are
   * unrecorded: so the model always has the next batch waiting, and never idles while this thread
   * scales inputs or records results, while results are still recorded in batch order.
   */
  const submit = async (batch: TileWindow[]): Promise<void> => {
    const n = batch.length * perTile;
    if (buffers[turn].length < n) buffers[turn] = new Float32Array(Math.max(batch.length, batchSize) * perTile);
    const x = buffers[turn].subarray(0, n);
    turn = (turn + 1) % buffers.length;
    batch.forEach((w, i) => {
      if (affine) {
        scaleInto(x, i * perTile, w, affine, plane);
      } else {
        scaleInput(model, w.data, plane, w.mask);
        x.set(w.data, i * perTile);
      }
    });
    const running = session.runAll(x, [batch.length, model.channels, side, side]);
    running.catch(() => {}); // awaited below, after the batch before it
    const previous = inFlight;
    inFlight = (async () => {
      await previous;
      const outputs = await running;
      const results = await postprocess(model, prediction, batch, outputs, { core, side, scoreThreshold: options.scoreThreshold ?? 0.25, iouThreshold: options.iouThreshold ?? 0.5 });
      await store.recordResults(prediction.id, results);
      await progress();
    })();
    inFlight.catch(() => {}); // awaited below, by a later batch, or at the end of the pass
    sent.push(inFlight);
    while (sent.length > depth) await sent.shift();
  };

  // Tiles found to have no imagery are not read again in a later pass: the answer would not change.
  const noImagery = new Set<string>();
  try {
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      const todo = (await store.tilesToPredict(prediction.id, maxAttempts)).filter((quadkey) => !noImagery.has(quadkey));
      if (todo.length === 0) break;
      const groups = TileReader.groupBySupertile(todo.map(tileFromQuadkey));
      let next = 0;
      const inflight: Promise<Awaited<ReturnType<TileReader['read']>>>[] = [];
      const launch = (): void => {
        while (inflight.length < readAhead && next < groups.length) {
          const read = reader.read(groups[next++], spec, signal);
          read.catch(() => {}); // awaited in order below; this only keeps an early rejection from being unhandled
          inflight.push(read);
        }
      };
      let buffer: TileWindow[] = [];
      launch();
      while (inflight.length || buffer.length) {
        if (signal?.aborted) throw signal.reason ?? new Error('cancelled');
        if (inflight.length) {
          const { windows, failures } = await inflight.shift()!;
          launch();
          const empty = windows.filter((w) => w.validCore === 0);
          for (const w of empty) noImagery.add(w.quadkey);
          await store.recordFailures(prediction.id, [
            ...failures,
            ...empty.map((w) => ({ quadkey: w.quadkey, error: 'no imagery: every pixel of the tile is nodata or outside the imagery' })),
          ]);
          buffer.push(...windows.filter((w) => w.validCore > 0));
        }
        while (buffer.length >= batchSize || (inflight.length === 0 && buffer.length)) {
          const batch = buffer.slice(0, batchSize);
          buffer = buffer.slice(batchSize);
          await submit(batch);
        }
      }
      await inFlight;
      sent.length = 0;
    }
  } catch (error) {
    // Nothing is written after the pipeline has given up (a cancel, a failed batch): the batch sent last ends first.
    await inFlight.catch(() => {});
    throw error;
  }
  if (model.task === 'detection') {
    // Boxes of one object seen from two neighbouring tiles (it straddles their edge) are merged.
    const features = await store.listFeatures(prediction.id);
    await store.deleteFeatures(prediction.id, mergeAcrossTiles(features, options.iouThreshold ?? 0.5));
  }
  return store.getPrediction(prediction.id);
}

/** A band's value scaling as one affine map, (v - sub) * mul + add. */
interface AffineBand {
  sub: number;
  mul: number;
  add: number;
}

/**
 * The model's value scaling per band as one affine map, or null when a step is not affine (clipping).
 * A lone z-score or min-max step keeps scaleInput's arithmetic, (v - mean) * (1 / stddev), so the
 * inputs are the same to the bit.
 */
function affineScaling(model: ModelDescriptor): AffineBand[] | null {
  const bands: AffineBand[] = [];
  for (let b = 0; b < model.channels; b++) {
    const steps = model.scaling.length === 0 ? [] : model.scaling[model.scaling.length === 1 ? 0 : b];
    let map: AffineBand = { sub: 0, mul: 1, add: 0 };
    for (const step of steps) {
      const identity = map.sub === 0 && map.mul === 1 && map.add === 0;
      switch (step.type) {
        case 'z-score':
        case 'min-max': {
          const [sub, range] = step.type === 'z-score' ? [step.mean, step.stddev] : [step.minimum, step.maximum - step.minimum];
          const inv = 1 / range;
          map = identity ? { sub, mul: inv, add: 0 } : { sub: map.sub, mul: map.mul * inv, add: (map.add - sub) * inv };
          break;
        }
        case 'offset':
          map = { ...map, add: map.add + step.value };
          break;
        case 'scale':
          map = { sub: map.sub, mul: map.mul * step.value, add: map.add * step.value };
          break;
        default:
          return null;
      }
    }
    bands.push(map);
  }
  return bands;
}

/** Writes a window's pixels, scaled and with masked pixels 0 (as scaleInput leaves them), into the batch at `offset`. */
function scaleInto(x: Float32Array, offset: number, window: TileWindow, bands: AffineBand[], plane: number): void {
  if (window.interleaved && bands.length === 3) return scaleInterleaved3(x, offset, window, bands, plane);
  const { data, mask } = window;
  for (let b = 0; b < bands.length; b++) {
    const { sub, mul, add } = bands[b];
    const from = b * plane;
    const to = offset + from;
    if (add === 0) for (let p = 0; p < plane; p++) x[to + p] = mask[p] ? (data[from + p] - sub) * mul : 0;
    else for (let p = 0; p < plane; p++) x[to + p] = mask[p] ? (data[from + p] - sub) * mul + add : 0;
  }
}

/** scaleInto for three bands of interleaved 8-bit samples (RGB tiles): one pass, no intermediate array. */
function scaleInterleaved3(x: Float32Array, offset: number, window: TileWindow, bands: AffineBand[], plane: number): void {
  const { pixels, channels, bands: at } = window.interleaved!;
  const mask = window.mask;
  const [{ sub: s0, mul: m0, add: a0 }, { sub: s1, mul: m1, add: a1 }, { sub: s2, mul: m2, add: a2 }] = bands;
  const [i0, i1, i2] = at;
  const [o0, o1, o2] = [offset, offset + plane, offset + 2 * plane];
  if (window.validCore === plane) {
    // Every pixel valid (the usual tile): no mask to look at.
    for (let p = 0, i = 0; p < plane; p++, i += channels) {
      x[o0 + p] = (pixels[i + i0] - s0) * m0 + a0;
      x[o1 + p] = (pixels[i + i1] - s1) * m1 + a1;
      x[o2 + p] = (pixels[i + i2] - s2) * m2 + a2;
    }
    return;
  }
  for (let p = 0, i = 0; p < plane; p++, i += channels) {
    if (mask[p]) {
      x[o0 + p] = (pixels[i + i0] - s0) * m0 + a0;
      x[o1 + p] = (pixels[i + i1] - s1) * m1 + a1;
      x[o2 + p] = (pixels[i + i2] - s2) * m2 + a2;
    } else {
      x[o0 + p] = 0;
      x[o1 + p] = 0;
      x[o2 + p] = 0;
    }
  }
}

interface PostprocessOptions {
  core: number;
  side: number;
  scoreThreshold: number;
  iouThreshold: number;
}

/** Turns one batch's model outputs into per-tile results. */
async function postprocess(
  model: ModelDescriptor,
  prediction: Prediction,
  batch: TileWindow[],
  outputs: Record<string, { data: Float32Array | Float64Array | BigInt64Array; shape: number[] }>,
  options: PostprocessOptions,
): Promise<TileResult[]> {
  const first = Object.values(outputs)[0];
  const data = first.data instanceof Float32Array ? first.data : Float32Array.from(first.data as ArrayLike<number>, Number);
  const k = model.classes.length;
  if (model.task === 'classification') {
    const c = first.shape.slice(1).reduce((a, b) => a * b, 1);
    if (c !== k && !(k === 2 && c === 1)) throw new TileflowError('INVALID_PARAMETER_VALUE', `the model outputs ${c} scores per tile but its MLM item names ${k} classes`);
    return classScores(data, batch.length, c).map((scores, i) => ({ quadkey: batch[i].quadkey, scores }));
  }
  if (model.task === 'segmentation') {
    const [, c, h, w] = first.shape;
    if (first.shape.length !== 4 || h !== options.side || w !== options.side) throw new TileflowError('INVALID_PARAMETER_VALUE', `a segmentation model must output [batch, classes, ${options.side}, ${options.side}], got [${first.shape.join(', ')}]`);
    if (c !== k && !(k === 2 && c === 1)) throw new TileflowError('INVALID_PARAMETER_VALUE', `the model outputs ${c} class planes but its MLM item names ${k} classes`);
    const ignore = model.classes.filter((cl) => BACKGROUND.test(cl.name)).map((cl) => cl.index);
    const per = c * h * w;
    return Promise.all(
      batch.map(async (window, i) => {
        const result = classMask(data.subarray(i * per, (i + 1) * per), c, h, w, prediction.overlap);
        const [mask, features] = await Promise.all([
          maskPng(result.mask, result.width, result.height),
          maskPolygons(result.mask, result.width, result.height, window.tile, { ignoreClasses: ignore, scores: result.meanProbability }),
        ]);
        return { quadkey: window.quadkey, scores: result.shares, mask, features };
      }),
    );
  }
  const perTile = decodeDetections(data, first.shape, { scoreThreshold: options.scoreThreshold, classCount: k });
  return batch.map((window, i) => {
    const boxes = nonMaxSuppression(perTile[i] ?? [], options.iouThreshold);
    const features = boxesToFeatures(boxes, window.tile, { size: options.core, overlap: prediction.overlap });
    // A tile's scores are its best box per class: what review and the active-learning queue sort by.
    const scores = new Array<number>(k).fill(0);
    for (const f of features) scores[f.classIndex] = Math.max(scores[f.classIndex], f.score);
    return { quadkey: window.quadkey, scores, features };
  });
}
