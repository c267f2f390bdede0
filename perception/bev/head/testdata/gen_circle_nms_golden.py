# Writes circle_nms_golden.json: CenterPoint's own circle_nms (numba) on
# random and lattice box sets, and CenterPoint's nuScenes per-task circle-NMS
# configuration, for bev/head's TestCircleNMSGolden.
# golden-requires: numba==0.60.0 numpy==1.26.4
# golden-reference: https://github.com/tianweiy/CenterPoint 3cf7d870537e287c99b43b68636ea392a5e6f519
import ast
import importlib.util
import json
import os

import numpy as np

REF = os.path.join(os.environ["GOLDEN_SRC"], "CenterPoint")
NMS_FILE = "det3d/core/utils/circle_nms_jit.py"
CFG_FILE = "configs/nusc/pp/nusc_centerpoint_pp_02voxel_two_pfn_10sweep_circular_nms.py"

# Load the reference module from its file: importing det3d pulls in the
# whole training stack (spconv, CUDA ops), which circle_nms does not use.
spec = importlib.util.spec_from_file_location("circle_nms_jit", os.path.join(REF, NMS_FILE))
mod = importlib.util.module_from_spec(spec)
spec.loader.exec_module(mod)
circle_nms = mod.circle_nms


def config():
    """tasks and test_cfg's min_radius / nms_post_max_size, read from the
    reference config's source (it imports det3d, so it is not executed)."""
    tree = ast.parse(open(os.path.join(REF, CFG_FILE)).read())
    out = {}
    for node in tree.body:
        if not isinstance(node, ast.Assign) or not isinstance(node.targets[0], ast.Name):
            continue
        name = node.targets[0].id
        if name == "tasks":
            tasks = eval(compile(ast.Expression(node.value), CFG_FILE, "eval"), {"dict": dict})
            out["tasks"] = [t["class_names"] for t in tasks]
        if name == "test_cfg":
            for kw in node.value.keywords:
                if kw.arg == "min_radius":
                    out["min_radius"] = ast.literal_eval(kw.value)
                if kw.arg == "circular_nms":
                    out["circular_nms"] = ast.literal_eval(kw.value)
                if kw.arg == "nms":
                    nms = eval(compile(ast.Expression(kw.value), CFG_FILE, "eval"), {"dict": dict})
                    out["nms_post_max_size"] = nms["nms_post_max_size"]
    return out


def dets_random(rng, n, extent):
    # Distinct scores: CenterPoint orders with numpy's (unstable) argsort,
    # so ties would have no reference order.
    xy = np.round(rng.uniform(-extent, extent, size=(n, 2)), 4)
    s = (rng.permutation(n) + 1) / (n + 1)
    return np.concatenate([xy, np.round(s, 6)[:, None]], axis=1)


def dets_lattice(rng, side, step):
    # Centres on a lattice so that squared distances hit thresh exactly and
    # the ≤ in the reference's test decides.
    g = np.arange(side) * step
    xy = np.array([(x, y) for x in g for y in g], dtype=np.float64)
    n = len(xy)
    s = (rng.permutation(n) + 1) / (n + 1)
    return np.concatenate([xy, np.round(s, 6)[:, None]], axis=1)


def reference(dets, thresh, post_max_size):
    # center_head._circle_nms: circle_nms then keep[:post_max_size].
    keep = circle_nms(np.ascontiguousarray(dets), thresh=thresh)
    return [int(i) for i in keep][:post_max_size]


def main():
    cfg = config()
    rng = np.random.default_rng(20240516)
    cases = []
    threshes = list(cfg["min_radius"]) + [0.0, 25.0]
    for n, extent in [(1, 5.0), (2, 1.0), (17, 4.0), (60, 10.0), (150, 15.0)]:
        for thresh in threshes:
            for post in [cfg["nms_post_max_size"], 5]:
                d = dets_random(rng, n, extent)
                cases.append({"name": f"random n={n} thresh={thresh} post={post}", "dets": d.tolist(),
                              "thresh": thresh, "post_max_size": post, "keep": reference(d, thresh, post)})
    for thresh, step in [(4.0, 2.0), (1.0, 1.0), (1.0, 0.5), (4.0, 1.0)]:
        d = dets_lattice(rng, 6, step)
        cases.append({"name": f"lattice step={step} thresh={thresh}", "dets": d.tolist(),
                      "thresh": thresh, "post_max_size": cfg["nms_post_max_size"],
                      "keep": reference(d, thresh, cfg["nms_post_max_size"])})

    # Several tasks: center_head.post_processing runs _circle_nms once per
    # task (head) with that task's min_radius on the task's boxes, whatever
    # their class within the task; labels run over the tasks' classes in
    # order. Kept indices below are into the full box list, task by task.
    classes = [c for t in cfg["tasks"] for c in t]
    task_of = [ti for ti, t in enumerate(cfg["tasks"]) for _ in t]
    multi = []
    for n, extent, post in [(300, 12.0, cfg["nms_post_max_size"]), (400, 8.0, 20)]:
        d = dets_random(rng, n, extent)
        labels = rng.integers(0, len(classes), size=n)
        keep = []
        for ti in range(len(cfg["tasks"])):
            idx = np.nonzero(np.array([task_of[l] for l in labels]) == ti)[0]
            if len(idx) == 0:
                keep.append([])
                continue
            keep.append([int(idx[k]) for k in reference(d[idx], cfg["min_radius"][ti], post)])
        multi.append({"name": f"tasks n={n} post={post}", "dets": d.tolist(), "labels": labels.tolist(),
                      "post_max_size": post, "keep_per_task": keep})

    out = {"reference": "tianweiy/CenterPoint " + NMS_FILE + " circle_nms; config " + CFG_FILE,
           "config": {"tasks": cfg["tasks"], "classes": classes, "min_radius": cfg["min_radius"],
                      "nms_post_max_size": cfg["nms_post_max_size"], "circular_nms": cfg["circular_nms"]},
           "cases": cases, "multi_task": multi}
    with open("circle_nms_golden.json", "w") as f:
        json.dump(out, f, separators=(",", ":"))


if __name__ == "__main__":
    main()
