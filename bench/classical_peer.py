"""scikit-learn peer of bench/classical.bench.ts: fits and scores the same models on the same table.

    /usr/bin/python3 bench/classical_peer.py make --rows 200000 --out bench/out/classical.csv
    /usr/bin/python3 bench/classical_peer.py run --data bench/out/classical.csv --model rf --threads 2

`make` writes the benchmark table: scikit-learn's `make_classification` (the generator its own
benchmarks use) with 13 features standing for 13 spectral bands, 10 classes, 2 clusters per class,
seeded. `run` fits on the first 75 % of rows, predicts the rest, and prints one JSON line with fit and
predict seconds and accuracy. Threads: `n_jobs` for the random forest, OpenMP threads (threadpoolctl)
for histogram gradient boosting.
"""
import argparse
import json
import time

import numpy as np


def make(args) -> None:
    from sklearn.datasets import make_classification

    X, y = make_classification(
        n_samples=args.rows, n_features=13, n_informative=10, n_redundant=2, n_classes=10,
        n_clusters_per_class=2, class_sep=1.0, flip_y=0.01, random_state=0,
    )
    header = ",".join([f"b{i + 1}" for i in range(13)] + ["label"])
    np.savetxt(args.out, np.column_stack([X, y]), delimiter=",", header=header, comments="", fmt=["%.6f"] * 13 + ["%d"])


def run(args) -> None:
    from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
    from threadpoolctl import threadpool_limits

    data = np.loadtxt(args.data, delimiter=",", skiprows=1)
    X, y = data[:, :13], data[:, 13].astype(int)
    cut = int(len(y) * 0.75)
    with threadpool_limits(limits=args.threads):
        if args.model == "rf":
            model = RandomForestClassifier(n_estimators=args.trees, n_jobs=args.threads, random_state=0)
        else:
            model = HistGradientBoostingClassifier(max_iter=args.trees, early_stopping=False, random_state=0)
        started = time.perf_counter()
        model.fit(X[:cut], y[:cut])
        fit_seconds = time.perf_counter() - started
        started = time.perf_counter()
        predicted = model.predict(X[cut:])
        predict_seconds = time.perf_counter() - started
    print(json.dumps({"model": args.model, "fit_seconds": fit_seconds, "predict_seconds": predict_seconds, "accuracy": float((predicted == y[cut:]).mean())}))


def main() -> None:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    m = sub.add_parser("make")
    m.add_argument("--rows", type=int, default=200000)
    m.add_argument("--out", required=True)
    r = sub.add_parser("run")
    r.add_argument("--data", required=True)
    r.add_argument("--model", choices=["rf", "gbt"], required=True)
    r.add_argument("--threads", type=int, default=2)
    r.add_argument("--trees", type=int, default=100)
    args = parser.parse_args()
    make(args) if args.command == "make" else run(args)


if __name__ == "__main__":
    main()
