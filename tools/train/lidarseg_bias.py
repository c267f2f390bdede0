"""Fit a lidarseg model's per-class logit offsets (the card's class_bias)
on calibration drives, for mIoU.

A network trained with cross-entropy ranks a rare class's logit below
the frequent classes' at pixels where it is the better guess for IoU
(Menon et al. 2021, logit adjustment): a constant offset per class,
added before the argmax, moves each class's precision/recall trade-off.
This fits the offsets by coordinate ascent on the mean over drives of
each drive's pixel mIoU (classes present in the labels or the
predictions, as the evaluation counts them), on drives the model was not
trained on and the held-out seeds are not among:

    python3 tools/train/lidarseg_bias.py --model models/X.onnx --dirs DIR... [--write]

DIR is a `gopercept simulate --dataset lidarseg --preset native` directory
(range.npy, labels.npy, meta.yaml). --write stores the offsets in the
model's card (parameters.class_bias), with the drives and the figures.
Needs onnxruntime, numpy and PyYAML; tools/train/lidarseg_offsets.sh makes
a venv of them."""
import argparse
import os
import re

import numpy as np
import onnxruntime as ort
import yaml


def logits_of(sess, card, d, keep, rng):
    """The logits and labels of a random share keep of each scan's labelled
    pixels: [N, C] float32, [N] int."""
    x = np.load(os.path.join(d, "range.npy"), mmap_mode="r")
    y = np.load(os.path.join(d, "labels.npy"), mmap_mode="r")
    mean = np.asarray(card["normalisation"]["mean"], np.float32)[:, None, None]
    std = np.asarray(card["normalisation"]["std"], np.float32)[:, None, None]
    name = sess.get_inputs()[0].name
    ls, ys = [], []
    for i in range(len(x)):
        s = np.asarray(x[i], np.float32)
        # lidarseg.py's normalise, which this cannot import (it needs torch).
        inp = ((s - mean) / std) * (s[:1] > 0)
        out = sess.run(None, {name: inp[None]})[0][0]  # [C, H, W]
        lab = np.asarray(y[i]).astype(np.int64)
        m = (lab > 0) & (rng.random(lab.shape) < keep)
        ls.append(out[:, m].T.copy())
        ys.append(lab[m])
    return np.concatenate(ls), np.concatenate(ys)


def drive_miou(pred, lab, classes):
    conf = np.bincount(lab * classes + pred, minlength=classes * classes).reshape(classes, classes)
    inter = np.diag(conf)
    union = conf.sum(0) + conf.sum(1) - inter
    # As gopercept eval lidarseg counts: a class is present where its union
    # is not empty, so a class predicted on a drive without it scores 0.
    present = union[1:] > 0
    iou = inter / np.maximum(union, 1)
    return iou[1:][present].mean(), iou


def score(drives, bias, classes, guard):
    """Mean over drives of mIoU with offsets bias, or -inf when a class
    with at least guard["pixels"] labelled pixels on a drive falls by more
    than guard["fall"] in IoU from no offsets: the offsets may trade a
    rare class's false positives away, not a class that is there."""
    ms = []
    for (l, y), (base, count) in zip(drives, guard["base"]):
        m, iou = drive_miou((l + bias).argmax(1), y, classes)
        if np.any((count >= guard["pixels"]) & (iou < base - guard["fall"])):
            return -np.inf
        ms.append(m)
    return float(np.mean(ms))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--dirs", nargs="+", required=True)
    ap.add_argument("--keep", type=float, default=0.3, help="share of labelled pixels kept per scan")
    ap.add_argument("--step", type=float, default=0.25)
    ap.add_argument("--limit", type=float, default=3.0, help="largest offset, either way")
    ap.add_argument("--rounds", type=int, default=4)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--guard-points", type=int, default=1000,
                    help="a class with this many labelled points on a drive (pixels kept times 1/keep) ...")
    ap.add_argument("--guard-fall", type=float, default=0.05, help="... may not fall by more than this in IoU on that drive")
    ap.add_argument("--only-below", type=float, default=1.0,
                    help="move only the classes whose IoU over all the drives' pixels, without offsets, is below this "
                         "(classes the model does not recognise on these drives; a class with a handful of pixels on "
                         "them reads near 0 too, so check it on drives that have it; 1: every class)")
    ap.add_argument("--write", action="store_true")
    a = ap.parse_args()

    card_path = a.model[:-len(".onnx")] + ".card.yaml"
    card = yaml.safe_load(open(card_path))
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = a.threads
    sess = ort.InferenceSession(a.model, opts, providers=["CPUExecutionProvider"])
    rng = np.random.default_rng(1)
    drives = [logits_of(sess, card, d, a.keep, rng) for d in a.dirs]
    classes = drives[0][0].shape[1]
    bias = np.zeros(classes, np.float32)
    guard = {"pixels": a.guard_points * a.keep, "fall": a.guard_fall, "base": []}
    for l, y in drives:
        guard["base"].append((drive_miou(l.argmax(1), y, classes)[1], np.bincount(y, minlength=classes)))
    base = score(drives, bias, classes, guard)
    pooled = drive_miou(np.concatenate([l.argmax(1) for l, _ in drives]), np.concatenate([y for _, y in drives]), classes)[1]
    movable = [c for c in range(1, classes) if pooled[c] < a.only_below]
    names = [c["name"] for c in card["classes"]]
    print("pooled IoU without offsets: " + ", ".join(f"{names[c]} {pooled[c]:.2f}" for c in range(1, classes)))
    print("classes that may move: " + ", ".join(names[c] for c in movable))
    print(f"{len(drives)} drives, {sum(len(y) for _, y in drives)} pixels; mean pixel mIoU {base:.4f} without offsets")
    best = base
    grid = np.arange(-a.limit, a.limit + 1e-6, a.step, dtype=np.float32)
    for r in range(a.rounds):
        moved = False
        for c in movable:
            keep = bias[c]
            for v in grid:
                bias[c] = v
                s = score(drives, bias, classes, guard)
                # A move must pay by more than noise to be taken.
                if s > best + 1e-4:
                    best, keep, moved = s, v, True
            bias[c] = keep
        print(f"round {r + 1}: {best:.4f}, offsets {np.round(bias, 2).tolist()}")
        if not moved:
            break
    for (l, y), d in zip(drives, a.dirs):
        m0, i0 = drive_miou(l.argmax(1), y, classes)
        m1, i1 = drive_miou((l + bias).argmax(1), y, classes)
        moved = ", ".join(f"{names[c]} {i0[c]:.2f}→{i1[c]:.2f}" for c in range(1, classes) if abs(i1[c] - i0[c]) >= 0.02)
        print(f"{os.path.basename(d)}: {m0:.4f} → {m1:.4f}  {moved}")
    if a.write:
        fit = (f"tools/train/lidarseg_bias.py --keep {a.keep} --step {a.step} --limit {a.limit} --only-below {a.only_below} --guard-points {a.guard_points} "
               f"--guard-fall {a.guard_fall} on " + " ".join(os.path.basename(d) for d in a.dirs)
               + f": mean pixel mIoU {base:.4f} to {best:.4f}")
        write_card(card_path, [float(b) for b in np.round(bias, 3)], fit)
        print(f"wrote {card_path}; {fit}")


def write_card(path, bias, fit):
    """Store the offsets in the card's parameters and the fit in its
    metrics, by text edits, so the rest of the card keeps its layout."""
    text = open(path).read()
    text = re.sub(r"(?m)^  class_bias: .*\n", "", text)
    text = re.sub(r"class_bias: \[[^\]]*\],\s*", "", text)
    text = re.sub(r"class_bias_fit: '[^']*',\s*", "", text)
    text = re.sub(r"(?m)^  class_bias_fit: .*\n", "", text)
    offsets = "class_bias: [" + ", ".join(f"{b:g}" for b in bias) + "]"
    if "\nparameters:\n" in text:
        text = text.replace("\nparameters:\n", "\nparameters:\n  " + offsets + "\n", 1)
    elif "\nparameters: {" in text:
        text = text.replace("\nparameters: {", "\nparameters: {" + offsets + ", ", 1)
    else:
        raise SystemExit(f"{path}: no parameters mapping to put class_bias in")
    if "\nmetrics: {" in text:
        text = text.replace("\nmetrics: {", "\nmetrics: {class_bias_fit: '" + fit + "', ", 1)
    elif "\nmetrics:\n" in text:
        text = text.replace("\nmetrics:\n", "\nmetrics:\n  class_bias_fit: '" + fit + "'\n", 1)
    else:
        text += "metrics: {class_bias_fit: '" + fit + "'}\n"
    open(path, "w").write(text)

if __name__ == "__main__":
    main()
