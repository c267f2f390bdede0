# golden-requires: scipy==1.13.1 numpy==1.26.4
"""Writes procrustes_golden.json: PA-MPJPE cases aligned with SciPy's
scipy.linalg.orthogonal_procrustes (the rotation of the centred
predictions onto the centred ground truth; its second result, the sum of
the singular values, over the predictions' squared norm is the optimal
scale).

TestProcrustesAgainstSciPy (pose/lift) reads the file and checks that
lift.Procrustes / ProcrustesErrors give the same scale and per-joint
errors. Cases are noisy rotated, scaled and shifted copies, some with
joints left out, where the best orthogonal map is a proper rotation
(checked here: orthogonal_procrustes admits reflections, PA-MPJPE does not).
Regenerate with
    scripts/golden.sh pose/lift/testdata/gen_procrustes_golden.py
"""
import json
from importlib.metadata import version

import numpy as np
from scipy.linalg import orthogonal_procrustes

rng = np.random.default_rng(20170801)
cases = []
while len(cases) < 24:
    pred = rng.normal(0, 0.4, (17, 3)) + rng.normal(0, 5, 3)
    q, _ = np.linalg.qr(rng.normal(size=(3, 3)))
    if np.linalg.det(q) < 0:
        q[:, 0] *= -1
    s = rng.uniform(0.6, 1.6)
    gt = s * pred @ q.T + rng.normal(0, 3, 3) + rng.normal(0, rng.choice([0.0, 0.02, 0.15]), (17, 3))
    valid = np.ones(17, bool)
    if len(cases) % 3 == 1:
        valid[rng.choice(17, 5, replace=False)] = False
    P, G = pred[valid], gt[valid]
    mp, mg = P.mean(0), G.mean(0)
    R, ssum = orthogonal_procrustes(P - mp, G - mg)  # minimises ||(P - mp) R - (G - mg)||
    if np.linalg.det(R) < 0:
        continue
    scale = ssum / ((P - mp) ** 2).sum()
    aligned = scale * (P - mp) @ R + mg
    cases.append({"pred": pred.tolist(), "gt": gt.tolist(), "valid": valid.tolist(), "scale": float(scale),
                  "errors": np.linalg.norm(aligned - G, axis=1).tolist()})
with open("procrustes_golden.json", "w") as f:
    json.dump({"scipy": version("scipy"), "numpy": version("numpy"), "cases": cases}, f)
