# golden-requires: nuscenes-devkit==1.2.0 numpy==1.26.4
"""Writes nuscenes_golden.json: random scenes of ground-truth and predicted
boxes scored by the nuScenes devkit itself (DetectionEval.evaluate, which runs
nuscenes.eval.detection.algo's accumulate, calc_ap and calc_tp, with the
detection_cvpr_2019 config: 0.5/1/2/4 m, TP at 2 m, min_recall and
min_precision 0.1, class ranges applied by the devkit's filter_eval_boxes).

Boxes are stored in bev/metrics' convention (centre x, y, z; l along the
heading, w, h; yaw; vx, vy) and converted here to the devkit's (size as
w, l, h; rotation as a quaternion w, x, y, z), so that the Go test feeds the
very same boxes to metrics.Evaluate.

When nuscenes_submission.json (written by the Go test TestSubmissionFile)
exists, it is read with the devkit's load_prediction and what the devkit
parsed is recorded under "submission".

Run with scripts/golden.sh bev/metrics/testdata/gen_nuscenes_golden.py.
"""

import json
import math
import os

import numpy as np
from pyquaternion import Quaternion

from nuscenes.eval.common.config import config_factory
from nuscenes.eval.common.data_classes import EvalBoxes
from nuscenes.eval.common.loaders import filter_eval_boxes, load_prediction
from nuscenes.eval.common.utils import quaternion_yaw
from nuscenes.eval.detection.constants import DETECTION_NAMES, TP_METRICS
from nuscenes.eval.detection.data_classes import DetectionBox
from nuscenes.eval.detection.evaluate import DetectionEval

DEVKIT = "nuscenes-devkit==1.2.0"

# Typical sizes (l, w, h) per class, m.
SIZES = {
    "car": (4.6, 1.9, 1.7), "truck": (7.0, 2.5, 3.0), "bus": (11.0, 2.9, 3.5),
    "trailer": (12.0, 2.9, 3.9), "construction_vehicle": (6.5, 2.8, 3.2),
    "pedestrian": (0.7, 0.7, 1.8), "motorcycle": (2.1, 0.8, 1.5), "bicycle": (1.7, 0.6, 1.3),
    "traffic_cone": (0.4, 0.4, 1.0), "barrier": (0.5, 2.5, 1.0),
}
# Classes given ground truth; trailer gets predictions only.
GT_CLASSES = ["car", "car", "car", "truck", "bus", "construction_vehicle", "pedestrian", "pedestrian",
              "motorcycle", "bicycle", "traffic_cone", "barrier"]


class NoBikeRacks:
    """A nuScenes database stand-in for filter_eval_boxes, whose only use of
    it is to look up bicycle racks: every sample has no annotations."""

    def get(self, table, token):
        assert table == "sample", table
        return {"anns": []}


def num(v):
    """JSON number, null for NaN (velocities the devkit allows to be NaN)."""
    v = float(v)
    return None if math.isnan(v) else v


def to_devkit(b, token):
    """One of our boxes as a DetectionBox of sample token, in the ego frame
    (the ego at the origin, so ego_translation is the centre)."""
    q = Quaternion(axis=[0, 0, 1], angle=b["yaw"])
    t = (b["x"], b["y"], b["z"])
    return DetectionBox(sample_token=token, translation=t, size=(b["w"], b["l"], b["h"]),
                        rotation=tuple(float(v) for v in q.elements),
                        velocity=(np.nan if b["vx"] is None else b["vx"], np.nan if b["vy"] is None else b["vy"]),
                        ego_translation=t, detection_name=b["name"],
                        detection_score=float(b.get("score", -1.0)))


def box(rng, name, x, y, size_jitter=0.1):
    l, w, h = (s * math.exp(rng.normal(0, size_jitter)) for s in SIZES[name])
    moving = name not in ("traffic_cone", "barrier") and rng.random() < 0.7
    vs = 1.0 if name in ("pedestrian", "bicycle") else 4.0
    return {"name": name, "x": float(x), "y": float(y), "z": float(rng.normal(1, 0.3)), "l": l, "w": w, "h": h,
            "yaw": float(rng.uniform(-math.pi, math.pi)),
            "vx": float(rng.normal(0, vs)) if moving else 0.0, "vy": float(rng.normal(0, vs)) if moving else 0.0}


def scene(rng, frames):
    """Frames of (gt, pred): noisy detections of most ground truth with
    scores on a 0.05 grid (ties), duplicates, false alarms, predictions of a
    class without ground truth (trailer), some boxes beyond their class
    range and some ground truth with NaN velocity."""
    out = []
    for _ in range(frames):
        gt, pred = [], []
        for _ in range(rng.integers(6, 16)):
            name = GT_CLASSES[rng.integers(len(GT_CLASSES))]
            g = box(rng, name, *rng.uniform(-60, 60, 2))
            if rng.random() < 0.1:
                g["vx"] = g["vy"] = None
            gt.append(g)
            if name == "construction_vehicle" or rng.random() > 0.85:
                continue  # missed; construction vehicles are never detected
            sigma = [0.15, 0.5, 1.2, 2.5][rng.integers(4)]
            p = dict(g)
            p["x"] = g["x"] + rng.normal(0, sigma)
            p["y"] = g["y"] + rng.normal(0, sigma)
            p["z"] = g["z"] + rng.normal(0, 0.2)
            for k in "lwh":
                p[k] = g[k] * math.exp(rng.normal(0, 0.15))
            p["yaw"] = g["yaw"] + rng.normal(0, 0.3) + (math.pi if rng.random() < 0.15 else 0)
            p["yaw"] = math.atan2(math.sin(p["yaw"]), math.cos(p["yaw"]))
            p["vx"] = float(rng.normal(0, 4)) if g["vx"] is None else g["vx"] + rng.normal(0, 0.7)
            p["vy"] = float(rng.normal(0, 4)) if g["vy"] is None else g["vy"] + rng.normal(0, 0.7)
            p["score"] = round(rng.uniform(0.1, 1.0) * 20) / 20
            pred.append(p)
            if rng.random() < 0.15:  # a duplicate, lower
                d = dict(p)
                d["x"] += rng.normal(0, 0.5)
                d["score"] = max(0.05, p["score"] - 0.3)
                pred.append(d)
        for _ in range(rng.integers(2, 7)):
            name = DETECTION_NAMES[rng.integers(len(DETECTION_NAMES))]
            p = box(rng, name, *rng.uniform(-55, 55, 2))
            p["score"] = round(rng.uniform(0.05, 0.8) * 20) / 20
            pred.append(p)
        rng.shuffle(pred)
        out.append((gt, pred))
    return out


def edge_scene(rng):
    """Hand-placed cases: boxes exactly at the class range (the devkit keeps
    only ego_dist < range), a prediction equidistant from two cars (the
    first free one in list order wins), equal scores, a barrier turned by π
    and a pedestrian right on the 1 m threshold."""
    def b(name, x, y, yaw=0.0, v=(0.0, 0.0), score=None):
        l, w, h = SIZES[name]
        r = {"name": name, "x": x, "y": y, "z": 0.8, "l": l, "w": w, "h": h, "yaw": yaw, "vx": v[0], "vy": v[1]}
        if score is not None:
            r["score"] = score
        return r
    gt = [b("car", 30.0, 40.0), b("car", 10.0, 5.0), b("car", 12.0, 5.0, v=(3.0, 0.0)),
          b("pedestrian", 24.0, 32.0), b("pedestrian", 5.0, -5.0, v=(1.0, 0.5)),
          b("barrier", 8.0, 8.0, yaw=0.3), b("traffic_cone", 3.0, 3.0)]
    pred = [b("car", 30.0, 40.0, score=0.9), b("car", 11.0, 5.0, v=(2.0, 0.0), score=0.8),
            b("car", 12.5, 5.0, v=(2.5, 0.5), score=0.8), b("pedestrian", 24.0, 32.0, score=0.7),
            b("pedestrian", 6.0, -5.0, v=(1.0, 0.0), score=0.7),
            b("barrier", 8.2, 8.0, yaw=0.3 + math.pi - 0.05, score=0.6), b("traffic_cone", 3.1, 3.0, yaw=2.0, score=0.5),
            b("car", -20.0, 0.0, score=0.8)]
    gt2 = [b("car", 0.0, 20.0, yaw=1.0, v=(0.5, 0.5)), b("car", 0.0, -20.0, yaw=-2.0)]
    pred2 = [b("car", 0.3, 20.2, yaw=1.1, v=(0.0, 0.5), score=0.8), b("car", 0.0, -19.0, yaw=2.0, score=0.8),
             b("trailer", 5.0, 5.0, score=0.4)]
    return [(gt, pred), (gt2, pred2)]


def evaluate(frames):
    cfg = config_factory("detection_cvpr_2019")
    gts, preds = EvalBoxes(), EvalBoxes()
    for i, (gt, pred) in enumerate(frames):
        token = "frame%02d" % i
        gts.add_boxes(token, [to_devkit(g, token) for g in gt])
        preds.add_boxes(token, [to_devkit(p, token) for p in pred])
    gts = filter_eval_boxes(NoBikeRacks(), gts, cfg.class_range)
    preds = filter_eval_boxes(NoBikeRacks(), preds, cfg.class_range)
    # DetectionEval.__init__ loads a nuScenes database and files; evaluate()
    # needs only these attributes.
    ev = DetectionEval.__new__(DetectionEval)
    ev.cfg, ev.gt_boxes, ev.pred_boxes, ev.verbose = cfg, gts, preds, False
    metrics, md_list = ev.evaluate()
    classes = {}
    for name in DETECTION_NAMES:
        c = {"num_gt": sum(1 for b in gts.all if b.detection_name == name),
             "num_pred": sum(1 for b in preds.all if b.detection_name == name),
             "ap": [metrics.get_label_ap(name, th) for th in cfg.dist_ths],
             "mean_ap": float(metrics.mean_dist_aps[name]),
             "precision": [[float(v) for v in md_list[(name, th)].precision] for th in cfg.dist_ths]}
        for m in TP_METRICS:
            if m != "attr_err":
                c[m] = num(metrics.get_label_tp(name, m))
        classes[name] = c
    tp = metrics.tp_errors
    return {"frames": [{"gt": gt, "pred": pred} for gt, pred in frames], "classes": classes,
            "mean_ap": metrics.mean_ap, "tp_errors": {m: num(tp[m]) for m in TP_METRICS if m != "attr_err"},
            "recall": [float(v) for v in md_list[("car", 2.0)].recall]}


def submission(path):
    """What the devkit's load_prediction parses from our submission file."""
    boxes, meta = load_prediction(path, 500, DetectionBox)
    out = {}
    for token in boxes.sample_tokens:
        out[token] = [{"translation": list(b.translation), "size": list(b.size), "rotation": list(b.rotation),
                       "yaw": float(quaternion_yaw(Quaternion(b.rotation))),
                       "velocity": [num(v) for v in b.velocity], "detection_name": b.detection_name,
                       "detection_score": b.detection_score, "attribute_name": b.attribute_name}
                      for b in boxes[token]]
    return {"meta": meta, "results": out}


def clean(v):
    """Rounds nothing; turns tuples into lists and NaN into null."""
    if isinstance(v, dict):
        return {k: clean(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [clean(x) for x in v]
    if isinstance(v, float) and math.isnan(v):
        return None
    return v


def main():
    rng = np.random.default_rng(2019)
    cases = [{"name": "random", **evaluate(scene(rng, 8))},
             {"name": "random-small", **evaluate(scene(rng, 3))},
             {"name": "edges", **evaluate(edge_scene(rng))}]
    out = {"devkit": DEVKIT, "config": "detection_cvpr_2019", "cases": clean(cases)}
    if os.path.exists("nuscenes_submission.json"):
        out["submission"] = clean(submission("nuscenes_submission.json"))
    with open("nuscenes_golden.json", "w") as f:
        json.dump(out, f, allow_nan=False, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
