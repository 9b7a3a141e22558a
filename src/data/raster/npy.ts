/**
 * NumPy `.npy` files (format version 1.0, numpy/lib/format.py): the magic `\x93NUMPY`, the version,
 * a little-endian uint16 header length, then a Python dict literal (`descr`, `fortran_order`,
 * `shape`) padded with spaces and a newline so the data starts on a 64-byte boundary, then the raw
 * C-order array. `numpy.load` reads what this writes.
 */
import os from 'node:os';
import type { PixelArray, RasterBlock, RasterDataType } from './types.js';

const ENDIAN = os.endianness() === 'LE' ? '<' : '>';

/** NumPy's dtype string for each data type. */
const DESCR: Record<RasterDataType, string> = {
  uint8: '|u1',
  int8: '|i1',
  uint16: `${ENDIAN}u2`,
  int16: `${ENDIAN}i2`,
  uint32: `${ENDIAN}u4`,
  int32: `${ENDIAN}i4`,
  float32: `${ENDIAN}f4`,
  float64: `${ENDIAN}f8`,
};

/** An `.npy` file of `data` with `shape` (C order, the array's own byte order). */
export function encodeNpy(data: PixelArray, dataType: RasterDataType, shape: number[]): Buffer {
  const count = shape.reduce((n, d) => n * d, 1);
  if (count !== data.length) throw new RangeError(`shape [${shape.join(', ')}] holds ${count} values, the array ${data.length}`);
  const dims = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  const dict = `{'descr': '${DESCR[dataType]}', 'fortran_order': False, 'shape': ${dims}, }`;
  // magic (6) + version (2) + length (2) + dict + padding + '\n' is a multiple of 64.
  const padded = dict.padEnd(Math.ceil((10 + dict.length + 1) / 64) * 64 - 10 - 1, ' ') + '\n';
  const header = Buffer.alloc(10);
  header.write('\x93NUMPY', 0, 'latin1');
  header[6] = 1;
  header[7] = 0;
  header.writeUInt16LE(padded.length, 8);
  return Buffer.concat([header, Buffer.from(padded, 'latin1'), Buffer.from(data.buffer, data.byteOffset, data.byteLength)]);
}

/** A tile as `.npy` the way rio-tiler writes it: shape (bands + 1, height, width), the mask (0 or 255) last. */
export function blockToNpy(block: RasterBlock): Buffer {
  const plane = block.width * block.height;
  const out = new (block.data.constructor as new (n: number) => PixelArray)(plane * (block.bandCount + 1));
  out.set(block.data.subarray(0, plane * block.bandCount));
  for (let p = 0; p < plane; p++) out[block.bandCount * plane + p] = block.mask[p] ? 255 : 0;
  return encodeNpy(out, block.dataType, [block.bandCount + 1, block.height, block.width]);
}
