"""Train gopercept's range-image segmentation network in the RangeNet++
contract: input [1,5,H,W] (range, x, y, z, remission normalised by the
card's per-channel means/stds, empty pixels 0), output [1,C,H,W] class
logits (the card says softmax: false; lidar-bonnetal's exports have it
inside, which the node reads from their cards).

    /usr/bin/python3 tools/train/lidarseg.py --train DIR [DIR...] --val DIR --out models/lidarseg-small

DIR is written by `gopercept simulate --dataset lidarseg`: range.npy
[N,5,H,W] float32 raw channels, labels.npy [N,H,W] uint8 class indices
(0 = unlabelled, ignored), meta.yaml (classes, projection).

With --paint the input also takes the camera-painted channels of
`simulate --dataset lidarseg --paint CAMERAS`: paint.npy [N,4,H,W] float32
(r, g, b in 0..1 and valid 0/1, as lidarseg.Painter fills them for the
node), appended after the five geometric channels; the card gets
`paint: {cameras, channels}` and nine normalisation entries. Without it the
same directories train the plain model, so both see the same scans.

Directories of `simulate --dataset lidarseg --preset native` (a row per
ring, a column per azimuth step) may differ in rows and columns: each batch
then comes from one directory, and the exported model takes any rows
(a multiple of 4) and columns (a multiple of 16), named H and W on its card,
which the node sizes from each lidar it measures (card `native: true`).
--lovasz adds the Lovász-softmax loss (Berman et al. 2018, as SalsaNext
trains), which optimises the IoU of rare classes directly."""
import argparse
import os
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import yaml

import common


class Block(nn.Module):
    """Two 3×3 convolutions with a residual connection."""

    def __init__(self, cin, cout):
        super().__init__()
        self.c1 = nn.Conv2d(cin, cout, 3, padding=1, bias=False)
        self.b1 = nn.BatchNorm2d(cout)
        self.c2 = nn.Conv2d(cout, cout, 3, padding=1, bias=False)
        self.b2 = nn.BatchNorm2d(cout)
        self.skip = nn.Conv2d(cin, cout, 1, bias=False) if cin != cout else nn.Identity()

    def forward(self, x):
        y = F.leaky_relu(self.b1(self.c1(x)), 0.1)
        y = self.b2(self.c2(y))
        return F.leaky_relu(y + self.skip(x), 0.1)


def conv_bn(cin, cout, k=3, stride=1, pad=1):
    return nn.Sequential(nn.Conv2d(cin, cout, k, stride, pad, bias=False), nn.BatchNorm2d(cout), nn.LeakyReLU(0.1))


class RangeNetFast(nn.Module):
    """A range-image encoder-decoder whose stem folds `fold` azimuth columns
    into one (at 4 a 64×2048 scan becomes 64×512), so the network costs an
    eighth of a full-resolution one and runs at a sensor's 10 Hz on a CPU;
    rows stay at full resolution because a 64-beam image is short. The class
    scores are upsampled back to the input's columns, and RangeNet++'s kNN
    pass restores the per-point detail."""

    def __init__(self, classes, width=32, channels=5, fold=4):
        super().__init__()
        w = width
        self.fold = fold
        self.stem = conv_bn(channels, w, (3, fold), (1, fold), (1, 0))
        self.c1 = conv_bn(w, w)
        self.e2 = Block(w, 2 * w)
        self.e3 = Block(2 * w, 4 * w)
        self.l3 = nn.Conv2d(4 * w, 2 * w, 1)
        self.d2 = conv_bn(2 * w, 2 * w)
        self.l2 = nn.Conv2d(2 * w, w, 1)
        self.d1 = conv_bn(w, w)
        self.head = nn.Conv2d(w, classes, 1)

    def forward(self, x):
        x1 = self.c1(self.stem(x))
        x2 = self.e2(F.avg_pool2d(x1, 2))
        x3 = self.e3(F.avg_pool2d(x2, 2))
        y = self.d2(x2 + F.interpolate(self.l3(x3), scale_factor=2.0, mode="nearest"))
        y = self.d1(x1 + F.interpolate(self.l2(y), scale_factor=2.0, mode="nearest"))
        return F.interpolate(self.head(y), scale_factor=(1.0, float(self.fold)), mode="bilinear", align_corners=False)


def lovasz_softmax(logits, labels, ignore=0):
    """Lovász-softmax over the classes present in the batch: for each class,
    the pixels' errors 1 − p sorted descending, dotted with the gradient of
    the Jaccard loss along that order (Berman, Rannen Triki and Blaschko,
    CVPR 2018, eq. 12)."""
    probs = F.softmax(logits, 1).permute(0, 2, 3, 1).reshape(-1, logits.shape[1])
    labels = labels.reshape(-1)
    keep = labels != ignore
    probs, labels = probs[keep], labels[keep]
    losses = []
    for c in torch.unique(labels):
        fg = (labels == c).float()
        err = (fg - probs[:, c]).abs()
        err, order = torch.sort(err, descending=True)
        fg = fg[order]
        inter = fg.sum() - fg.cumsum(0)
        union = fg.sum() + (1 - fg).cumsum(0)
        jac = 1 - inter / union
        grad = torch.cat([jac[:1], jac[1:] - jac[:-1]])
        losses.append(torch.dot(err, grad))
    return torch.stack(losses).mean() if losses else logits.sum() * 0


def normalise(x, mean, std):
    mask = (x[:, :1] > 0).astype(np.float32)
    return ((x - mean[None, :, None, None]) / std[None, :, None, None]) * mask


def miou(conf):
    inter = np.diag(conf)
    union = conf.sum(0) + conf.sum(1) - inter
    present = conf.sum(1) > 0
    iou = np.where(union > 0, inter / np.maximum(union, 1), 0)
    return iou[1:][present[1:]].mean(), iou


def evaluate(net, xs, ys, mean, std, classes, batch=4):
    """Confusion matrix over one directory's scans, or a list of them."""
    if isinstance(xs, list):
        return sum(evaluate(net, x, y, mean, std, classes, batch) for x, y in zip(xs, ys))
    conf = np.zeros((classes, classes), np.int64)
    net.eval()
    with torch.no_grad():
        for i in range(0, len(xs), batch):
            x = torch.from_numpy(normalise(np.asarray(xs[i:i + batch], np.float32), mean, std))
            pred = net(x).argmax(1).numpy()
            y = np.asarray(ys[i:i + batch])
            m = y > 0
            conf += np.bincount(y[m].astype(np.int64) * classes + pred[m], minlength=classes * classes).reshape(classes, classes)
    return conf


# The lidarseg node's sensor presets of the simulator's lidars (simulate
# --lidar, --columns); the HDL-32E-like lidar matches none (vlp32 spans
# +15°/−25°, it +10.7°/−30.7°).
SIM_SENSORS = {("hdl64", 2048): "hdl64e", ("hdl64", 1024): "hdl64e-1024", ("os1-128", 1024): "os1-128",
               ("os1-128", 2048): "os1-128-2048", ("os1-64", 1024): "os1-64", ("os1-64", 2048): "os1-64-2048",
               ("hdl32", 2048): "hdl32e", ("hdl32", 1024): "hdl32e-1024", ("vlp16", 1024): "vlp16", ("vlp16", 2048): "vlp16-2048"}


def training_sensors(dirs):
    """The presets of the lidars the training scans came from, for the
    card's sensors (the node warns on clouds outside them)."""
    out = []
    for d in dirs:
        m = yaml.safe_load(open(os.path.join(d, "meta.yaml")))
        name = SIM_SENSORS.get((m.get("lidar", "hdl64"), m.get("columns", 2048)))
        if name and name not in out:
            out.append(name)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--train", nargs="+", required=True)
    ap.add_argument("--val", nargs="+", required=True)
    ap.add_argument("--out", required=True, help="output path without extension")
    ap.add_argument("--epochs", type=int, default=12)
    ap.add_argument("--crop", type=int, default=512)
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--width", type=int, default=32)
    ap.add_argument("--fold", type=int, default=4, help="azimuth columns the stem folds into one (4: lidarseg-small; 8 halves the cost)")
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--command", default="")
    ap.add_argument("--paint", action="store_true", help="append each DIR's paint.npy channels (camera colours, valid)")
    ap.add_argument("--lovasz", type=float, default=0, help="weight of the Lovász-softmax loss added to cross-entropy")
    ap.add_argument("--init", default="", help="start from this state_dict (a previous run's <out>-state.pt), "
                    "or from a shipped model's .onnx (and its .card.yaml) when the state is gone")
    ap.add_argument("--select", choices=["pooled", "worst"], default="pooled",
                    help="which epoch is kept: best pooled validation mIoU, or best mIoU of the weakest --val set")
    ap.add_argument("--stop-after", type=int, default=0, help="stop after this many epochs of the --epochs schedule (0: all)")
    a = ap.parse_args()
    common.seed_everything(a.seed)
    common.threads()
    meta = yaml.safe_load(open(os.path.join(a.train[0], "meta.yaml")))
    classes = len(meta["classes"])
    # One array per directory: native sets differ in rows and columns.
    xs = [inputs(d, a.paint) for d in a.train]
    ys = [common.load(os.path.join(d, "labels.npy"), mmap=False) for d in a.train]
    vx = [inputs(d, a.paint) for d in a.val]
    vy = [common.load(os.path.join(d, "labels.npy"), mmap=False) for d in a.val]
    native = any(yaml.safe_load(open(os.path.join(d, "meta.yaml"))).get("projection", {}).get("native") for d in a.train)
    shapes = {x.shape[2:] for x in xs + vx}
    if len(shapes) > 1 and not native:
        raise SystemExit(f"lidarseg: training sets of several sizes {sorted(shapes)} need --preset native data")
    paint = meta.get("paint") if a.paint else None
    if a.paint and not paint:
        raise SystemExit(f"lidarseg: --paint but {a.train[0]}/meta.yaml has no paint section")
    channels = xs[0].shape[1]
    vals = [np.concatenate([x[:, c][x[:, 0] > 0] for x in xs]) for c in range(channels)]
    mean = np.array([v.mean() for v in vals], np.float32)
    std = np.array([v.std() + 1e-6 for v in vals], np.float32)
    del vals
    counts = sum(np.bincount(y[y > 0].ravel(), minlength=classes).astype(np.float64) for y in ys)
    freq = counts / max(counts.sum(), 1)
    weights = np.where(counts > 0, 1 / np.sqrt(freq + 1e-3), 0).astype(np.float32)
    weights[0] = 0
    weights /= weights[weights > 0].mean()
    H, W = xs[0].shape[2], xs[0].shape[3]
    n = sum(len(x) for x in xs)
    common.log(f"lidarseg: {n} training scans in {len(xs)} sets ({', '.join(sorted(f'{h}x{w}' for h, w in shapes))}), "
               f"{sum(len(x) for x in vx)} validation, {classes} classes")
    net = RangeNetFast(classes, a.width, channels, a.fold)
    if a.init.endswith(".onnx"):
        # The shipped model's own normalisation: the network learned it,
        # and other training data would give other means.
        card = yaml.safe_load(open(a.init[:-len(".onnx")] + ".card.yaml"))
        mean = np.array(card["normalisation"]["mean"], np.float32)
        std = np.array(card["normalisation"]["std"], np.float32)
        h = 4 * max(1, xs[0].shape[2] // 4)
        bns = common.state_from_onnx(net, a.init, (torch.zeros(1, channels, h, 16 * a.fold),))
        common.recalibrate_bn(net, bns, ((torch.from_numpy(normalise(np.asarray(x[i:i + 1]), mean, std)),)
                                         for x in xs for i in range(min(4, len(x)))))
        common.log(f"lidarseg: started from {a.init} (weights read back from ONNX, normalisation from its card)")
    elif a.init:
        net.load_state_dict(torch.load(a.init))
    opt = torch.optim.AdamW(net.parameters(), lr=a.lr, weight_decay=1e-4)
    # OneCycle is sized by n // batch steps an epoch; batching each set apart
    # forms a few fewer (the remainder of every set), so the schedule ends
    # just short of its floor. lidarseg-any-small was trained so.
    steps_per_epoch = max(1, n // a.batch)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=a.lr, total_steps=a.epochs * steps_per_epoch)
    lossf = nn.CrossEntropyLoss(weight=torch.from_numpy(weights), ignore_index=0)
    rng = np.random.default_rng(a.seed)
    t0 = time.time()
    best = -1.0
    for ep in range(a.stop_after or a.epochs):
        net.train()
        # Each batch from one set, sets drawn in proportion to their scans.
        batches = []
        for k, x in enumerate(xs):
            order = rng.permutation(len(x))
            batches += [(k, order[i:i + a.batch]) for i in range(0, len(x) - a.batch + 1, a.batch)]
        rng.shuffle(batches)
        total, step = 0.0, 0
        for k, idx in batches[:steps_per_epoch]:
            sx, sy = xs[k], ys[k]
            w = sx.shape[3]
            crop = min(a.crop, w) if not native else w // 2  # native: half a revolution of any lidar
            off = rng.integers(0, w - crop + 1, size=len(idx))
            x = np.stack([np.roll(sx[i], -o, axis=2)[:, :, :crop] for i, o in zip(idx, off)])
            y = np.stack([np.roll(sy[i], -o, axis=1)[:, :crop] for i, o in zip(idx, off)])
            if rng.random() < 0.5:  # mirror left-right: y → -y flips the azimuth
                x = x[:, :, :, ::-1].copy()
                x[:, 2] *= -1
                y = y[:, :, ::-1].copy()
            out = net(torch.from_numpy(normalise(x, mean, std)))
            yt = torch.from_numpy(y.astype(np.int64))
            loss = lossf(out, yt)
            if a.lovasz > 0:
                loss = loss + a.lovasz * lovasz_softmax(out, yt)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item()
            step += 1
            if step % 50 == 0:
                common.log(f"lidarseg: epoch {ep + 1} step {step}/{steps_per_epoch} loss {total / step:.3f} ({time.time() - t0:.0f} s)")
        confs = [evaluate(net, x, y, mean, std, classes) for x, y in zip(vx, vy)]
        m, _ = miou(sum(confs))
        if a.select == "worst" and len(confs) > 1:
            # The pooled mIoU is carried by the dense lidars' many points; a
            # model of any lidar is kept by its weakest validation set.
            m = min(miou(c)[0] for c in confs)
        per = " ".join(f"{os.path.basename(d)} {miou(c)[0]:.3f}" for d, c in zip(a.val, confs)) if len(a.val) > 1 else ""
        common.log(f"lidarseg: epoch {ep + 1}/{a.epochs} loss {total / max(step, 1):.3f} val pixel mIoU {m:.3f}{' (weakest set)' if a.select == 'worst' else ''} {per} ({time.time() - t0:.0f} s)")
        if m > best:
            # Keep the best epoch on disk, so a run cut short still leaves a model.
            best = m
            write_model(a, net, meta, mean, std, classes, H, W, m, ep + 1, paint, native)
            torch.save(net.state_dict(), a.out + "-state.pt")
    _, iou = miou(evaluate(net, vx, vy, mean, std, classes))
    common.log("lidarseg: last epoch's validation pixel IoU per class: " +
               ", ".join(f"{c['name']} {iou[c['id']]:.3f}" for c in meta["classes"][1:]))


def inputs(d, paint):
    """The raw input channels of one dataset directory: range.npy's five,
    then paint.npy's when painting."""
    x = common.load(os.path.join(d, "range.npy"), mmap=False)
    if not paint:
        return x
    p = common.load(os.path.join(d, "paint.npy"), mmap=False)
    if p.shape[0] != x.shape[0] or p.shape[2:] != x.shape[2:]:
        raise SystemExit(f"lidarseg: {d}: paint.npy {p.shape} does not match range.npy {x.shape}")
    return np.concatenate([x, p], axis=1)


def write_model(a, net, meta, mean, std, classes, H, W, m, epochs, paint=None, native=False):
    onnx_path = a.out + ".onnx"
    # Logits out, softmax: false in the card. The labels need only the
    # argmax, and ONNX Runtime's channel-axis softmax over 20×64×2048 costs
    # four times the network itself on a CPU.
    C = len(mean)
    dyn = {"input": {2: "H", 3: "W"}, "output": {2: "H", 3: "W"}} if native else None
    common.export(net, torch.zeros(1, C, H, W), ["input"], ["output"], onnx_path, dynamic_axes=dyn)
    net.train()
    size = os.path.getsize(onnx_path)
    card = {
        "name": os.path.basename(a.out), "version": "1", "task": "lidar semantic segmentation",
        "family": "rangenet", "decoder": "argmax",
        "description": f"Small range-image encoder-decoder (stride-{a.fold} azimuth stem: rows × columns/{a.fold} inside) trained on gopercept simulate data, in the RangeNet++ contract" + (f"; any lidar: input rows and columns dynamic (H a multiple of 4, W of {4 * a.fold}), sized by the node from each lidar." if native else "."),
        "inputs": [{"name": "input", "shape": [1, C, "H" if native else H, "W" if native else W], "type": "float32", "layout": "NCHW"}],
        "outputs": [{"name": "output", "shape": [1, classes, "H" if native else H, "W" if native else W], "type": "float32", "layout": "NCHW"}],
        "normalisation": {"mean": [round(float(v), 5) for v in mean], "std": [round(float(v), 5) for v in std]},
        "classes": meta["classes"],
        "parameters": dict({k: v for k, v in meta.get("projection", {}).items()
                            if k not in ("height", "width") + (("fov_up_deg", "fov_down_deg") if native else ())}, softmax=False,
                           # The network's strides: the stem folds `fold` columns, two poolings halve rows and columns.
                           **({"row_multiple": 4, "column_multiple": 4 * a.fold} if native else {}),
                           sensors=training_sensors(a.train)),
        **({"paint": {"cameras": paint["cameras"], "channels": paint["channels"]}} if paint else {}),
        "provenance": {"training_data": "gopercept simulate --dataset lidarseg, seeds " + ",".join(os.path.basename(d) for d in a.train)
                       + "; validation " + ",".join(os.path.basename(d) for d in a.val),
                       "seed": a.seed, "command": a.command, "license": "Apache-2.0", "source": "tools/train/lidarseg.py"},
        "metrics": {"val_pixel_miou": round(float(m), 4), "epochs": epochs, "params": common.count_params(net),
                    "flops": 2 * common.macs(net, torch.zeros(1, C, H, W)), "size_bytes": size,
                    "onnx_sha256": common.sha256(onnx_path)},
    }
    common.write_card(a.out + ".card.yaml", card)
    common.log(f"lidarseg: wrote {onnx_path} ({size / 1e6:.2f} MB) after epoch {epochs}, validation pixel mIoU {m:.3f}")


if __name__ == "__main__":
    main()
