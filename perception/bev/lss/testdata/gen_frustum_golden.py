# Writes frustum_golden.json: BEVFusion's own BaseTransform.create_frustum
# (torch) for several image/feature sizes and depth bounds, for bev/lss's
# TestFrustumGolden (Config.Sampling = SampleLinspace).
# golden-apt: python3-torch
# golden-reference: https://github.com/mit-han-lab/bevfusion 326653dc06e0938edf1aae7d01efcd158ba83de5
import ast
import json
import os
import types

import numpy as np
import torch
from torch import nn

REF = os.path.join(os.environ["GOLDEN_SRC"], "bevfusion")
BASE = "mmdet3d/models/vtransforms/base.py"


def load_create_frustum():
    """BaseTransform.create_frustum's own source from the reference file.
    Importing the module needs mmcv and the compiled bev_pool op, so only
    this method is compiled, without its @force_fp32() decorator (which
    only casts fp16 inputs, and create_frustum takes none)."""
    src = open(os.path.join(REF, BASE)).read()
    tree = ast.parse(src, BASE)
    for cls in tree.body:
        if isinstance(cls, ast.ClassDef) and cls.name == "BaseTransform":
            for fn in cls.body:
                if isinstance(fn, ast.FunctionDef) and fn.name == "create_frustum":
                    fn.decorator_list = []
                    mod = ast.Module(body=[fn], type_ignores=[])
                    ns = {"torch": torch, "nn": nn}
                    exec(compile(mod, BASE, "exec"), ns)
                    return ns["create_frustum"]
    raise SystemExit("create_frustum not found in " + BASE)


def main():
    create_frustum = load_create_frustum()
    cases = []
    # (image_size (H, W), feature_size (fH, fW), dbound): BEVFusion's
    # nuScenes camera (stride 8), our bev-small-camera's stride 16, odd sizes
    # and bounds whose bin count float rounding could move, and fH = 1.
    for image, feat, dbound in [
        ((256, 704), (32, 88), [1.0, 60.0, 0.5]),
        ((256, 704), (16, 44), [1.0, 60.0, 0.5]),
        ((384, 1056), (24, 66), [1.0, 60.0, 1.0]),
        ((250, 701), (13, 37), [0.5, 47.3, 0.7]),
        ((900, 1600), (57, 100), [2.0, 58.0, 0.8]),
        ((64, 200), (1, 25), [1.0, 60.0, 0.1]),
        ((16, 32), (2, 4), [1.0, 9.0, 2.0]),
    ]:
        self = types.SimpleNamespace(image_size=image, feature_size=feat, dbound=dbound)
        f = create_frustum(self).detach().numpy()  # [D, fH, fW, 3]: x, y, depth
        D, fH, fW, _ = f.shape
        xs, ys, ds = f[0, 0, :, 0], f[0, :, 0, 1], f[:, 0, 0, 2]
        # The frustum is a product grid; storing its axes loses nothing.
        full = np.stack(np.broadcast_arrays(xs[None, None, :], ys[None, :, None], ds[:, None, None]), -1)
        assert np.array_equal(full, f), "frustum is not separable"
        cases.append({"image_size": list(image), "feature_size": list(feat), "dbound": dbound,
                      "shape": [D, fH, fW], "xs": xs.astype(float).tolist(), "ys": ys.astype(float).tolist(),
                      "ds": ds.astype(float).tolist(), "dtype": str(f.dtype)})
    out = {"reference": "mit-han-lab/bevfusion " + BASE + " BaseTransform.create_frustum; torch " + torch.__version__,
           "cases": cases}
    with open("frustum_golden.json", "w") as fh:
        json.dump(out, fh, separators=(",", ":"))


if __name__ == "__main__":
    main()
