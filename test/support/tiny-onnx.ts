// A tiny RGB tile classifier made here, not by a framework: ONNX written with tileflow's protobuf
// writer, and the STAC MLM item that describes it. It averages each band of an 8 x 8 chip scaled to
// 0..1, and says "water" (class 1) where blue outweighs red and "land" (class 0) where red outweighs
// blue, with a confidence that grows with the gap: sea tiles are sure, coast tiles are not. Small
// enough that a prediction over dozens of tiles takes well under a second of inference.
import { encodeModel } from '../../src/data/onnx/protobuf.js';

/** Logit gain on the blue - red gap of the band means (0..1): the logits differ by 2 x GAIN x gap, so a gap of 0.04 (10 of 255) gives p = 0.88. */
const GAIN = 25;

/** The ONNX model: `input` float32 [N, 3, 8, 8] -> ReduceMean(H, W) -> MatMul [3, 2] -> Softmax -> `probabilities` [N, 2]. */
export function tinyClassifierOnnx(): Uint8Array {
  // Rows are the red, green, blue means; columns the land and water logits.
  const weights = Float32Array.from([GAIN, -GAIN, 0, 0, -GAIN, GAIN]);
  return encodeModel({
    graphName: 'tiny_water_classifier',
    nodes: [
      { op: 'ReduceMean', inputs: ['input'], outputs: ['band_means'], attributes: { axes: [2, 3], keepdims: 0 } },
      { op: 'MatMul', inputs: ['band_means', 'weights'], outputs: ['logits'] },
      { op: 'Softmax', inputs: ['logits'], outputs: ['probabilities'], attributes: { axis: 1 } },
    ],
    initializers: [{ name: 'weights', dims: [3, 2], data: weights }],
    inputs: [{ name: 'input', shape: ['batch', 3, 8, 8] }],
    outputs: [{ name: 'probabilities', shape: ['batch', 2] }],
    // Opset 17: ReduceMean still takes its axes as an attribute (an input from opset 18).
    opset: 17,
    producerVersion: 'test',
    docString: 'tiny water/land tile classifier (test support)',
  });
}

/** The model's STAC item with the MLM extension, in the shape tileflow writes (`src/deep/onnx/mlm.ts`). */
export function tinyClassifierMlm(): Record<string, unknown> {
  const band = { type: 'min-max', minimum: 0, maximum: 255 };
  return {
    type: 'Feature',
    stac_version: '1.0.0',
    stac_extensions: ['https://stac-extensions.github.io/mlm/v1.5.2/schema.json'],
    id: 'tiny-water-classifier',
    geometry: null,
    properties: {
      datetime: '2026-01-01T00:00:00Z',
      description: 'blue over red means water: a tiny test classifier',
      'mlm:name': 'tiny-water-classifier',
      'mlm:architecture': 'band means + linear',
      'mlm:tasks': ['classification'],
      'mlm:framework': 'onnx',
      'mlm:framework_version': '17',
      'mlm:total_parameters': 6,
      'mlm:pretrained': false,
      'tileflow:zoom': 10,
      'mlm:input': [
        {
          name: 'input',
          bands: ['red', 'green', 'blue'],
          input: { shape: [-1, 3, 8, 8], dim_order: ['batch', 'bands', 'height', 'width'], data_type: 'float32' },
          value_scaling: [band, band, band],
          pre_processing_function: null,
        },
      ],
      'mlm:output': [
        {
          name: 'probabilities',
          tasks: ['classification'],
          result: { shape: [-1, 2], dim_order: ['batch', 'class'], data_type: 'float32' },
          'classification:classes': [
            { value: 0, name: 'land', color_hint: 'a0522d' },
            { value: 1, name: 'water', color_hint: '1f77b4' },
          ],
          post_processing_function: null,
        },
      ],
    },
    links: [],
    assets: {
      model: {
        href: './model.onnx',
        type: 'application/octet-stream; framework=onnx; profile=onnx',
        roles: ['mlm:model', 'data'],
        'mlm:artifact_type': 'onnx',
      },
    },
  };
}
