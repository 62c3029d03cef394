"""scikit-learn side of bench/gbdt-vs-sklearn.ts.

Usage: /usr/bin/python3 bench/python/hgb.py <dir> <runs> [max_iter ...]
<dir> holds fit_x.csv, fit_y.csv, eval_x.csv, eval_y.csv (no header, written by the TS bench).
For each max_iter (default 100): one untimed warm-up fit, then <runs> timed fits of
HistGradientBoostingRegressor with the bench's fixed settings. Prints one JSON object:
{"sklearn": "1.2.1", "configs": [{"max_iter": 100, "fit_seconds": [...], "eval_rmse": ...}]}
"""
import json
import sys
import time

import numpy as np
import sklearn
from sklearn.ensemble import HistGradientBoostingRegressor


def load(d, name):
    return np.loadtxt(f"{d}/{name}.csv", delimiter=",", dtype=np.float64, ndmin=1)


def main():
    d, runs = sys.argv[1], int(sys.argv[2])
    iters = [int(a) for a in sys.argv[3:]] or [100]
    fx, fy, ex, ey = (load(d, n) for n in ("fit_x", "fit_y", "eval_x", "eval_y"))
    configs = []
    for max_iter in iters:
        def make():
            return HistGradientBoostingRegressor(
                max_iter=max_iter, learning_rate=0.1, max_leaf_nodes=31, min_samples_leaf=20,
                max_bins=255, l2_regularization=0.0, early_stopping=False, random_state=0)
        make().fit(fx, fy)  # warm-up: imports, OpenMP thread pool
        times = []
        model = None
        for _ in range(runs):
            t0 = time.perf_counter()
            model = make().fit(fx, fy)
            times.append(time.perf_counter() - t0)
        pred = model.predict(ex)
        rmse = float(np.sqrt(np.mean((pred - ey) ** 2)))
        configs.append({"max_iter": max_iter, "fit_seconds": times, "eval_rmse": rmse})
    print(json.dumps({"sklearn": sklearn.__version__, "configs": configs}))


if __name__ == "__main__":
    main()
