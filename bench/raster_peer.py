"""The rasterio side of bench/raster.bench.ts: reads the same windows of the same file in a loop and
prints one JSON line with its own timing (so process start-up and imports are not counted).

stdin: {"file": PATH, "windows": [[xoff, yoff, xsize, ysize], ...], "warmup": N, "checked": M}
stdout: {"seconds": S, "maskedSeconds": S, "reads": N, "sum": SUM_OF_THE_PIXELS_OF_THE_FIRST_M_WINDOWS, "rasterio": VERSION, "gdal": VERSION}

"seconds" times `read(window=...)` (pixels only); "maskedSeconds" times `read(window=..., masked=True)`
(pixels and their validity, which is what tileflow's read returns).

The sum is taken after the timing, as the TypeScript side does: it shows both read the same pixels.
"""
import json
import sys
import time

import numpy
import rasterio
from rasterio.windows import Window


def main() -> None:
    job = json.load(sys.stdin)
    windows = [Window(*w) for w in job["windows"]]
    with rasterio.open(job["file"]) as src:
        for window in windows[: job["warmup"]]:
            src.read(window=window)
        start = time.perf_counter()
        for window in windows:
            src.read(window=window)
        seconds = time.perf_counter() - start
        start = time.perf_counter()
        for window in windows:
            src.read(window=window, masked=True)
        masked_seconds = time.perf_counter() - start
        total = sum(int(src.read(window=w).sum(dtype=numpy.int64)) for w in windows[: job["checked"]])
    print(json.dumps({"seconds": seconds, "maskedSeconds": masked_seconds, "reads": len(windows), "sum": total, "rasterio": rasterio.__version__, "gdal": rasterio.__gdal_version__}))


if __name__ == "__main__":
    main()
