# golden-apt: python3-torch python3-pil python3-numpy
# golden-reference: https://github.com/megvii-research/PETR f7525f93467a33707ef401c587a52d5e7b34de74
"""Writes lidar2img.json: PETR's lidar2img for known rigs, computed by
PETR's own code: CustomNuScenesDataset.get_data_info (lidar2img from a
nuScenes info's sensor2lidar rotation and translation and cam_intrinsic)
and the test-time ResizeCropFlipImage (its ida_mat folded into the
intrinsic, on a real PIL image of the camera's size). The two classes'
methods are taken from the reference's source with ast and run on a stub
self, since their modules import mmdet/mmdet3d, which this machine lacks;
no line of them is rewritten here. TestLidar2ImgPETR compares the node's
lidar2img with these."""
import ast
import json
import os

import numpy as np
import torch
from numpy import random
from PIL import Image

SRC = os.path.join(os.environ["GOLDEN_SRC"], "PETR", "projects", "mmdet3d_plugin", "datasets")


def methods(path, cls):
    """The methods of class cls in path, compiled on their own."""
    tree = ast.parse(open(path).read(), path)
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name == cls:
            ns = {"np": np, "torch": torch, "Image": Image, "random": random}
            mod = ast.Module(body=[f for f in node.body if isinstance(f, ast.FunctionDef)], type_ignores=[])
            exec(compile(mod, path, "exec"), ns)
            return ns
    raise SystemExit(f"{cls} not in {path}")


def rot(yaw, pitch, roll):
    """lidar ← camera optical: optical axes (right, down, forward) turned by
    yaw about z, pitch about y and roll about the optical axis."""
    base = np.array([[0, 0, 1], [-1, 0, 0], [0, -1, 0]], float)  # optical → forward-looking lidar axes
    cz, sz, cy, sy = np.cos(yaw), np.sin(yaw), np.cos(pitch), np.sin(pitch)
    rz = np.array([[cz, -sz, 0], [sz, cz, 0], [0, 0, 1]])
    ry = np.array([[cy, 0, sy], [0, 1, 0], [-sy, 0, cy]])
    cr, sr = np.cos(roll), np.sin(roll)
    rr = np.array([[cr, -sr, 0], [sr, cr, 0], [0, 0, 1]])
    return rz @ ry @ base @ rr


class Stub:
    pass


def main():
    ds = methods(os.path.join(SRC, "nuscenes_dataset.py"), "CustomNuScenesDataset")
    aug = methods(os.path.join(SRC, "pipelines", "transform_3d.py"), "ResizeCropFlipImage")
    cams = {
        "CAM_FRONT": (rot(0.0, 0.02, 0.0), [1.70, 0.01, -0.32], [[1266.4, 0, 816.3], [0, 1266.4, 491.5], [0, 0, 1]]),
        "CAM_FRONT_LEFT": (rot(0.96, -0.01, 0.005), [1.52, 0.49, -0.33], [[1272.6, 0, 826.6], [0, 1272.6, 479.8], [0, 0, 1]]),
        "CAM_BACK": (rot(3.13, 0.0, -0.01), [-0.01, 0.02, -0.31], [[809.2, 0, 829.2], [0, 809.2, 481.8], [0, 0, 1]]),
    }
    info = {"token": "t", "lidar_path": "", "sweeps": [], "timestamp": 0,
            "cams": {name: {"timestamp": 0, "data_path": name, "sensor2lidar_rotation": r, "sensor2lidar_translation": np.array(t),
                            "cam_intrinsic": np.array(k)} for name, (r, t, k) in cams.items()}}
    self = Stub()
    self.data_infos, self.modality, self.test_mode = [info], {"use_camera": True}, True
    out = {"reference": "megvii-research/PETR f7525f93 nuscenes_dataset.get_data_info + ResizeCropFlipImage (test)", "cases": []}
    W, H = 1600, 900
    for final in [(320, 800), (256, 704)]:
        d = ds["get_data_info"](self, 0)
        t = Stub()
        t.data_aug_conf = {"H": H, "W": W, "final_dim": final, "bot_pct_lim": (0.0, 0.0), "rot_lim": (0.0, 0.0), "rand_flip": False}
        t.training = False
        t._sample_augmentation = lambda: aug["_sample_augmentation"](t)
        t._img_transform = lambda *a, **k: aug["_img_transform"](t, *a, **k)
        t._get_rot = lambda h: aug["_get_rot"](t, h)
        d["img"] = [np.zeros((H, W, 3), np.uint8) for _ in cams]
        resize = t._sample_augmentation()[0]
        d = aug["__call__"](t, d)
        for i, (name, (r, tr, k)) in enumerate(cams.items()):
            assert d["img"][i].shape[:2] == final, d["img"][i].shape
            out["cases"].append({"camera": name, "width": W, "height": H, "input_width": final[1], "input_height": final[0],
                                 "resize": float(resize), "k": np.asarray(k).tolist(), "sensor2lidar_rotation": r.tolist(),
                                 "sensor2lidar_translation": list(tr), "lidar2img": np.asarray(d["lidar2img"][i], np.float64).tolist()})
    with open("golden/lidar2img.json", "w") as f:
        json.dump(out, f, indent=1)
    print("wrote golden/lidar2img.json:", len(out["cases"]), "cases")


if __name__ == "__main__":
    main()
