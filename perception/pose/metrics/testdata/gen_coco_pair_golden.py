# golden-requires: pycocotools==2.0.11 numpy==1.26.4
"""Writes coco_pair_stats.json: pycocotools' COCOeval statistics for the
ground-truth and results files our Go writer produced (coco_pair_gt.json,
coco_pair_results.json; see TestCOCOPairFilesAreOurs in ../cocofile_test.go).

TestCOCOPairAgainstPycocotools (pose/metrics) and the bag-free scoring test
of evaluate read the ten statistics and check that ReadCOCO + COCOEval give
the same. The files are loaded exactly as a user would: COCO(gt) and
loadRes(results), default keypoint parameters (maxDets 20).
"""
import contextlib
import io
import json
from importlib.metadata import version

from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval


def main():
    with contextlib.redirect_stdout(io.StringIO()):
        gt = COCO("coco_pair_gt.json")
        res = gt.loadRes("coco_pair_results.json")
        ev = COCOeval(gt, res, "keypoints")
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    out = {
        "generator": f"gen_coco_pair_golden.py with pycocotools {version('pycocotools')}",
        "names": ["AP", "AP50", "AP75", "APm", "APl", "AR", "AR50", "AR75", "ARm", "ARl"],
        "stats": [float(s) for s in ev.stats],
    }
    with open("coco_pair_stats.json", "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
