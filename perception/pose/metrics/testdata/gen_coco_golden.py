# golden-requires: pycocotools==2.0.11 numpy==1.26.4
"""Writes coco_golden.json: random keypoint scenes scored by pycocotools.

The Go test TestCOCOEvalAgainstPycocotools reads the file and checks that
metrics.COCOEval gives the same ten statistics. Regenerate with
    scripts/golden.sh pose/metrics/testdata/gen_coco_golden.py
"""
import json
import random
import contextlib
import io

from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

STANDING = [
    (0, -0.40), (0.05, -0.44), (-0.05, -0.44), (0.10, -0.42), (-0.10, -0.42),
    (0.18, -0.28), (-0.18, -0.28), (0.24, -0.08), (-0.24, -0.08), (0.26, 0.10), (-0.26, 0.10),
    (0.10, 0.05), (-0.10, 0.05), (0.11, 0.28), (-0.11, 0.28), (0.12, 0.50), (-0.12, 0.50),
]


def figure(rng, cx, cy, h):
    return [(round(cx + dx * h + rng.gauss(0, 0.02 * h), 2), round(cy + dy * h + rng.gauss(0, 0.02 * h), 2)) for dx, dy in STANDING]


def scene(rng, seed):
    images, gts, dts = [], [], []
    aid = 1
    for img in range(1, 16):
        images.append({"id": img, "width": 1000, "height": 800})
        for _ in range(rng.randint(0, 4)):
            h = rng.choice([30, 60, 90, 150, 300]) * rng.uniform(0.8, 1.2)
            cx, cy = rng.uniform(100, 900), rng.uniform(100, 700)
            pts = figure(rng, cx, cy, h)
            vis = [2 if rng.random() < 0.8 else (1 if rng.random() < 0.5 else 0) for _ in pts]
            if rng.random() < 0.08:
                vis = [0] * 17
            kps = []
            for (x, y), v in zip(pts, vis):
                kps += [x, y, v] if v else [0, 0, 0]
            bw, bh = round(0.6 * h, 2), round(h, 2)
            area = round(bw * bh * rng.uniform(0.4, 0.7), 2)
            crowd = 1 if rng.random() < 0.05 else 0
            gts.append({"id": aid, "image_id": img, "category_id": 1, "keypoints": kps,
                        "num_keypoints": sum(1 for v in vis if v), "bbox": [round(cx - bw / 2, 2), round(cy - bh / 2, 2), bw, bh],
                        "area": area, "iscrowd": crowd})
            aid += 1
            for _ in range(rng.choice([0, 1, 1, 1, 2])):
                noise = rng.choice([0.005, 0.02, 0.05, 0.1]) * h
                p = []
                for x, y in pts:
                    p += [round(x + rng.gauss(0, noise), 2), round(y + rng.gauss(0, noise), 2), round(rng.random(), 3)]
                dts.append({"image_id": img, "category_id": 1, "keypoints": p, "score": round(rng.random(), 6)})
        for _ in range(rng.randint(0, 2)):
            h = rng.uniform(40, 200)
            p = []
            for x, y in figure(rng, rng.uniform(100, 900), rng.uniform(100, 700), h):
                p += [x, y, round(rng.random(), 3)]
            dts.append({"image_id": img, "category_id": 1, "keypoints": p, "score": round(rng.random(), 6)})
    return images, gts, dts


def stats(ev):
    """The ten keypoint statistics as COCOeval.summarize computes them, for
    whatever single maxDets the parameters hold."""
    prec, rec = ev.eval["precision"], ev.eval["recall"]  # [T,R,K,A,M], [T,K,A,M]
    t50 = list(ev.params.iouThrs).index(0.5)
    t75 = list(ev.params.iouThrs).index(0.75)

    def mean(a):
        v = a[a > -1]
        return float(v.mean()) if v.size else -1.0

    out = [mean(prec[:, :, :, 0, 0]), mean(prec[t50, :, :, 0, 0]), mean(prec[t75, :, :, 0, 0]),
           mean(prec[:, :, :, 1, 0]), mean(prec[:, :, :, 2, 0]),
           mean(rec[:, :, 0, 0]), mean(rec[t50, :, 0, 0]), mean(rec[t75, :, 0, 0]),
           mean(rec[:, :, 1, 0]), mean(rec[:, :, 2, 0])]
    return out


def main():
    cases = []
    for seed in range(12):
        rng = random.Random(seed)
        images, gts, dts = scene(rng, seed)
        max_dets = 20 if seed % 4 else 2
        coco = COCO()
        coco.dataset = {"images": images, "annotations": gts, "categories": [{"id": 1, "name": "person", "keypoints": [], "skeleton": []}]}
        with contextlib.redirect_stdout(io.StringIO()):
            coco.createIndex()
            res = coco.loadRes([dict(d) for d in dts]) if dts else None
            ev = COCOeval(coco, res, "keypoints")
            ev.params.maxDets = [max_dets]
            ev.evaluate()
            ev.accumulate()
        cases.append({"seed": seed, "max_dets": max_dets, "images": images, "gt": gts, "pred": dts, "stats": stats(ev)})
    with open("coco_golden.json", "w") as f:
        json.dump({"generator": "gen_coco_golden.py with pycocotools 2.0.11", "cases": cases}, f)


if __name__ == "__main__":
    main()
