"""scikit-learn side of bench/forest-vs-sklearn.ts.

Usage: /usr/bin/python3 bench/python/forest.py <dir> <runs>
<dir> holds fit_x.csv, fit_y.csv, eval_x.csv, eval_y.csv (no header, written by the TS bench).
One untimed warm-up fit (imports, joblib's thread pool), then <runs> timed fits of
RandomForestRegressor(n_estimators=100, n_jobs=2, random_state=0), other parameters default.
Prints one JSON object: {"sklearn": "1.2.1", "fit_seconds": [...], "eval_rmse": ..., "nodes": ...}
"""
import json
import sys
import time

import numpy as np
import sklearn
from sklearn.ensemble import RandomForestRegressor


def load(d, name):
    return np.loadtxt(f"{d}/{name}.csv", delimiter=",", dtype=np.float64, ndmin=1)


def make():
    return RandomForestRegressor(n_estimators=100, n_jobs=2, random_state=0)


def main():
    d, runs = sys.argv[1], int(sys.argv[2])
    fx, fy, ex, ey = (load(d, n) for n in ("fit_x", "fit_y", "eval_x", "eval_y"))
    make().fit(fx, fy)
    times = []
    model = None
    for _ in range(runs):
        t0 = time.perf_counter()
        model = make().fit(fx, fy)
        times.append(time.perf_counter() - t0)
    rmse = float(np.sqrt(np.mean((model.predict(ex) - ey) ** 2)))
    nodes = int(sum(e.tree_.node_count for e in model.estimators_))
    print(json.dumps({"sklearn": sklearn.__version__, "fit_seconds": times, "eval_rmse": rmse, "nodes": nodes}))


if __name__ == "__main__":
    main()
