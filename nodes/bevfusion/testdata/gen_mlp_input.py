# golden-apt: python3-torch python3-pil python3-numpy
# golden-reference: https://github.com/Megvii-BaseDetection/BEVDepth d78c7b58b10b9ada940462ba83ab24d99cae5833
"""Writes mlp_input.json: BEVDepth's camera-aware depth-net input for known
cameras, computed by BEVDepth's own code: the test-time ida augmentation
(NuscDetDataset.sample_ida_augmentation and img_transform in
bevdepth/datasets/nusc_det_dataset.py, on a real PIL image) and the
statements of DepthNet.forward that assemble mlp_input from the intrinsic,
ida, sensor2ego and bda matrices (bevdepth/layers/backbones/
base_lss_fpn.py). They are taken from the reference's source with ast and
run on stubs, since the modules import mmcv/mmdet3d, which this machine
lacks; no line of them is rewritten here. TestMLPInputBEVDepthGolden
compares the node's mlp_input with these."""
import ast
import json
import os

import numpy as np
import torch
from PIL import Image

SRC = os.path.join(os.environ["GOLDEN_SRC"], "BEVDepth", "bevdepth")


def parse(path):
    return ast.parse(open(path).read(), path)


def compile_defs(path, defs, ns):
    mod = ast.Module(body=defs, type_ignores=[])
    exec(compile(mod, path, "exec"), ns)
    return ns


def main():
    ns = {"np": np, "torch": torch, "Image": Image}
    ds_path = os.path.join(SRC, "datasets", "nusc_det_dataset.py")
    tree = parse(ds_path)
    funcs = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name in ("get_rot", "img_transform")]
    cls = [n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "NuscDetDataset"][0]
    funcs += [f for f in cls.body if isinstance(f, ast.FunctionDef) and f.name == "sample_ida_augmentation"]
    compile_defs(ds_path, funcs, ns)
    # DepthNet.forward up to its mlp_input assignment, as a function of
    # mats_dict.
    fpn_path = os.path.join(SRC, "layers", "backbones", "base_lss_fpn.py")
    net = [n for n in parse(fpn_path).body if isinstance(n, ast.ClassDef) and n.name == "DepthNet"][0]
    fwd = [f for f in net.body if isinstance(f, ast.FunctionDef) and f.name == "forward"][0]
    body = []
    for st in fwd.body:
        body.append(st)
        if isinstance(st, ast.Assign) and getattr(st.targets[0], "id", "") == "mlp_input":
            break
    body.append(ast.Return(value=ast.Name(id="mlp_input", ctx=ast.Load())))
    fn = ast.FunctionDef(name="mlp_input_of", args=ast.arguments(posonlyargs=[], args=[ast.arg(arg="mats_dict")], kwonlyargs=[],
                                                                  kw_defaults=[], defaults=[]), body=body, decorator_list=[])
    ast.fix_missing_locations(fn)
    compile_defs(fpn_path, [fn], ns)

    W, H = 1600, 900
    cams = [  # K, ego ← camera optical [R | t]
        ([[1266.4, 0, 816.3], [0, 1266.4, 491.5], [0, 0, 1]],
         [[0.0103, 0.0084, 0.9999, 1.7221], [-0.9999, 0.0109, 0.0102, 0.0048], [-0.0108, -0.9999, 0.0085, 1.4949]]),
        ([[1272.6, 0, 826.6], [0, 1272.6, 479.8], [0, 0, 1]],
         [[0.8225, 0.0065, 0.5688, 1.5752], [-0.5687, 0.0204, 0.8222, 0.5009], [-0.0063, -0.9998, 0.0204, 1.5232]]),
    ]
    out = {"reference": "Megvii-BaseDetection/BEVDepth d78c7b58 sample_ida_augmentation + img_transform + DepthNet.forward's mlp_input",
           "cases": []}
    for final in [(256, 704), (512, 1408)]:
        class Stub:
            is_train = False
            ida_aug_conf = {"H": H, "W": W, "final_dim": final, "bot_pct_lim": (0.0, 0.0)}
        resize, resize_dims, crop, flip, rotate = ns["sample_ida_augmentation"](Stub())
        idas, intrins, s2e = [], [], []
        for k, e in cams:
            img, ida = ns["img_transform"](Image.new("RGB", (W, H)), resize, resize_dims, crop, flip, rotate)
            assert img.size == (final[1], final[0]), img.size
            idas.append(ida)
            m = torch.eye(4)
            m[:3, :3] = torch.tensor(k)
            intrins.append(m)
            m = torch.eye(4)
            m[:3, :] = torch.tensor(e)
            s2e.append(m)
        mats = {"intrin_mats": torch.stack(intrins)[None, None], "ida_mats": torch.stack(idas)[None, None],
                "sensor2ego_mats": torch.stack(s2e)[None, None], "bda_mat": torch.eye(4)[None]}
        mlp = ns["mlp_input_of"](mats)  # [1, 1, N, 27]
        assert mlp.shape == (1, 1, len(cams), 27), mlp.shape
        for i, (k, e) in enumerate(cams):
            out["cases"].append({"width": W, "height": H, "input_width": final[1], "input_height": final[0], "resize": float(resize),
                                 "k": k, "extrinsic": e, "mlp_input": [float(v) for v in mlp[0, 0, i]]})
    with open("golden/mlp_input.json", "w") as f:
        json.dump(out, f, indent=1)
    print("wrote golden/mlp_input.json:", len(out["cases"]), "cases")


if __name__ == "__main__":
    main()
