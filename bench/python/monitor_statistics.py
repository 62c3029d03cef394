#!/usr/bin/env python3
"""Reference values for the fleet's drift statistics (docs/MONITORING.md "Statistics").

Writes, for seeded random bins, what scipy computes on the same bins: PSI (ε-smoothed, as
fleet/src/drift/psi.ts), Jensen-Shannon divergence in bits, Pearson's chi-square with its p-value,
and the KS distance of the cumulative bins with Kolmogorov's asymptotic p-value. The fleet's tests
compare their TypeScript implementation with this file.

Usage: python3 bench/python/monitor_statistics.py [out.json]
(default fleet/test/monitor/fixtures/scipy-statistics.json). Needs Debian's python3-scipy.
"""
import json
import sys

import numpy as np
from scipy import spatial, special, stats

EPSILON = 1e-4


def psi(reference, observed):
    e = np.asarray(reference, float) / np.sum(reference)
    a = np.asarray(observed, float) / np.sum(observed)
    k = len(e)
    e = (e + EPSILON) / (1 + k * EPSILON)
    a = (a + EPSILON) / (1 + k * EPSILON)
    # PSI is the symmetrised Kullback-Leibler divergence.
    return float(np.sum(special.rel_entr(a, e) + special.rel_entr(e, a)))


def js(reference, observed):
    p = np.asarray(reference, float) / np.sum(reference)
    q = np.asarray(observed, float) / np.sum(observed)
    return float(spatial.distance.jensenshannon(p, q, base=2) ** 2)


def chi2(reference, observed):
    ref = np.asarray(reference, float)
    obs = np.asarray(observed, float)
    keep = ref > 0
    expected = ref[keep] / ref[keep].sum() * obs[keep].sum()
    result = stats.chisquare(obs[keep], expected)
    return {"statistic": float(result.statistic), "df": int(keep.sum() - 1), "pValue": float(result.pvalue)}


def ks(reference, observed):
    cr = np.cumsum(np.asarray(reference, float) / np.sum(reference))
    co = np.cumsum(np.asarray(observed, float) / np.sum(observed))
    d = float(np.max(np.abs(co - cr)))
    n = float(np.sum(observed))
    return {"statistic": d, "pValue": float(stats.kstwobign.sf(d * np.sqrt(n)))}


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "fleet/test/monitor/fixtures/scipy-statistics.json"
    rng = np.random.default_rng(20260105)
    cases = []
    for i in range(40):
        k = int(rng.integers(2, 12))
        reference = rng.dirichlet(np.ones(k))
        if i % 4 == 0:
            reference[int(rng.integers(0, k))] = 0.0  # an empty reference bin (e.g. "unseen")
            reference = reference / reference.sum()
        n = int(rng.choice([30, 200, 1000, 20000]))
        shift = rng.dirichlet(np.ones(k)) if i % 2 else reference
        mix = 0.0 if i % 3 == 0 else float(rng.uniform(0.05, 0.6))
        probs = (1 - mix) * np.where(reference > 0, reference, 0) + mix * shift
        observed = rng.multinomial(n, probs / probs.sum())
        if observed[reference > 0].sum() == 0:
            observed[int(np.argmax(reference))] += 1
        reference = [round(float(f), 6) for f in reference]
        observed = [int(c) for c in observed]
        cases.append(
            {
                "reference": reference,
                "observed": observed,
                "psi": psi(reference, observed),
                "js": js(reference, observed),
                "chi2": chi2(reference, observed),
                "ks": ks(reference, observed),
            }
        )
    with open(out, "w") as f:
        json.dump({"generator": "bench/python/monitor_statistics.py", "epsilon": EPSILON, "cases": cases}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
