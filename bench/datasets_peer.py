"""The Python peer of bench/datasets.bench.ts: numpy reading the same chip dataset shards (np.memmap) and
building the same batches: [N, C, H, W] float32 normalised with the manifest's statistics, optionally
shuffled and augmented with flips and quarter turns, labels as int32.

    python3 bench/datasets_peer.py DATASET --scenario shuffled+augment --batch 64

Runs one warm-up pass and one measured pass of the scenario; prints {"chips_per_second": ...}.
"""
import argparse
import json
import time

import numpy as np

DTYPES = {'uint8': '<u1', 'int8': 'i1', 'uint16': '<u2', 'int16': '<i2', 'uint32': '<u4', 'int32': '<i4', 'float32': '<f4', 'float64': '<f8'}


def open_dataset(path):
    with open(f'{path}/manifest.json') as f:
        m = json.load(f)
    c, h, w = len(m['bands']), m['height'], m['width']
    shards = [np.memmap(f"{path}/{s['file']}", dtype=DTYPES[m['dtype']], mode='r').reshape(-1, c, h, w) for s in m['shards']]
    record = c * h * w * np.dtype(DTYPES[m['dtype']]).itemsize
    where = np.array([(chip['shard'], chip['offset'] // record) for chip in m['chips']], dtype=np.int64)
    labels = np.array([-1 if chip['label'] is None else chip['label'] for chip in m['chips']], dtype=np.int32)
    stats = m['statistics']['bands']
    mean = np.array([b['mean'] for b in stats], dtype=np.float32)[:, None, None]
    scale = (1 / np.array([b['std'] for b in stats], dtype=np.float32))[:, None, None]
    return shards, where, labels, mean, scale


def batches(ds, batch, shuffle, augment, rng):
    shards, where, labels, mean, scale = ds
    n = len(where)
    order = rng.permutation(n) if shuffle else np.arange(n)
    for start in range(0, n, batch):
        idx = order[start:start + batch]
        if not shuffle and len(shards) == 1:
            raw = shards[0][start:start + len(idx)]
        else:
            raw = np.stack([shards[where[i, 0]][where[i, 1]] for i in idx])
        x = (raw.astype(np.float32) - mean) * scale
        if augment:
            for i in range(len(idx)):
                k = rng.integers(4)
                chip = np.rot90(x[i], k, axes=(1, 2))
                if rng.random() < 0.5:
                    chip = chip[:, :, ::-1]
                if rng.random() < 0.5:
                    chip = chip[:, ::-1, :]
                x[i] = chip
        yield np.ascontiguousarray(x), labels[idx]


SCENARIOS = {'sequential': (False, False), 'shuffled': (True, False), 'shuffled+augment': (True, True)}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('dataset')
    parser.add_argument('--scenario', choices=list(SCENARIOS), required=True)
    parser.add_argument('--batch', type=int, default=64)
    parser.add_argument('--seed', type=int, default=0)
    args = parser.parse_args()
    ds = open_dataset(args.dataset)
    shuffle, augment = SCENARIOS[args.scenario]
    rates = []
    # The first pass warms the page cache and the interpreter; the second is the one reported.
    for r in range(2):
        rng = np.random.default_rng(args.seed + r)
        t = time.perf_counter()
        seen = 0
        for x, y in batches(ds, args.batch, shuffle, augment, rng):
            seen += x.shape[0]
        rates.append(seen / (time.perf_counter() - t))
    assert seen == len(ds[1])
    print(json.dumps({'chips_per_second': rates[-1]}))


if __name__ == '__main__':
    main()
