"""Train gopercept's small single-class person detector for the top-down
pose path, with a YOLOv8-style output: input `images` [1,3,S,S] RGB
letterboxed (pad 114) and scaled by 1/255 (S the datasets' frame size,
320 by default), output `output0` [1,5,A] (A = 2100 at 320):
cx, cy, w, h in input pixels and the person score after a sigmoid, over the
anchor-free grid cells of strides 8, 16 and 32 (40·40 + 20·20 + 10·10, each
level row-major, cell centre (i + 0.5)·stride). NMS is the caller's.

    /usr/bin/python3 tools/train/detector.py --train DIR [DIR...] --val DIR --out models/detector-person-small

DIR is written by `gopercept simulate --dataset pose`: images.npy
[M,3,S,S] uint8 letterboxed frames (`--detector-size S`), boxes.npy [M,B,5] float32 (x1, y1,
x2, y2 in letterbox pixels, 1 for a real box). The simulator stores at most
B boxes a frame, so a frame with B boxes may miss people; only frames with
fewer than B boxes (complete labels) are used, for training and validation.

Assignment is centre sampling: a box goes to the level its longer side
falls in (≤ 64 px: stride 8, ≤ 128: 16, else 32) and its positives are the
cells of that level whose centres lie inside the box and within 2.5 strides
of its centre (always the cell holding the centre). Boxes shorter than
--min-height pixels are neither positives nor negatives (their cells are
ignored). Loss: BCE on the score over all cells, GIoU + L1 on the
left/top/right/bottom distances of the positives."""
import argparse
import math
import os
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import yaml

import common

STRIDES = (8, 16, 32)
PAD = 114


def conv_bn(cin, cout, k=3, s=1):
    return nn.Sequential(nn.Conv2d(cin, cout, k, s, k // 2, bias=False), nn.BatchNorm2d(cout), nn.SiLU(inplace=True))


class Res(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.a = conv_bn(c, c)
        self.b = nn.Sequential(nn.Conv2d(c, c, 3, 1, 1, bias=False), nn.BatchNorm2d(c))

    def forward(self, x):
        return F.silu(x + self.b(self.a(x)))


class Head(nn.Module):
    """One shared 3×3 convolution, then 1×1 box (4) and score (1) outputs."""

    def __init__(self, c):
        super().__init__()
        self.trunk = conv_bn(c, c)
        self.box = nn.Conv2d(c, 4, 1)
        self.cls = nn.Conv2d(c, 1, 1)

    def forward(self, x):
        y = self.trunk(x)
        return self.box(y), self.cls(y)


class DetectorSmall(nn.Module):
    """A small YOLO-like network for the CPU: strided 3×3 convolutions with
    residual blocks to strides 8/16/32 (channels 3w/4, w, 2w, 3w), a top-down
    FPN of width w, and one head per level. forward returns the raw per-level
    maps for the loss; Export wraps it into the decoded [1,5,A] output."""

    def __init__(self, w=32):
        super().__init__()
        c2 = w * 3 // 4
        self.stem = nn.Sequential(conv_bn(3, 16, 3, 2), conv_bn(16, c2, 3, 2))
        self.c3 = nn.Sequential(conv_bn(c2, w, 3, 2), Res(w))
        self.c4 = nn.Sequential(conv_bn(w, 2 * w, 3, 2), Res(2 * w))
        self.c5 = nn.Sequential(conv_bn(2 * w, 3 * w, 3, 2), Res(3 * w))
        self.l5 = nn.Conv2d(3 * w, w, 1)
        self.l4 = nn.Conv2d(2 * w, w, 1)
        self.l3 = nn.Conv2d(w, w, 1)
        self.f4 = conv_bn(w, w)
        self.f3 = conv_bn(w, w)
        self.heads = nn.ModuleList([Head(w) for _ in STRIDES])
        for h in self.heads:
            nn.init.constant_(h.cls.bias, -4.6)  # prior 0.01
            nn.init.constant_(h.box.bias, 0.5)

    def forward(self, x):
        x = self.stem(x)
        p3 = self.c3(x)
        p4 = self.c4(p3)
        p5 = self.c5(p4)
        q5 = self.l5(p5)
        q4 = self.f4(self.l4(p4) + F.interpolate(q5, scale_factor=2.0, mode="nearest"))
        q3 = self.f3(self.l3(p3) + F.interpolate(q4, scale_factor=2.0, mode="nearest"))
        return [h(q) for h, q in zip(self.heads, (q3, q4, q5))]


def grid_centres(size):
    """Cell centres [A,2] and strides [A] in output order for a size×size input."""
    cs, ss = [], []
    for s in STRIDES:
        n = size // s
        yy, xx = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
        cs.append(np.stack([(xx.ravel() + 0.5) * s, (yy.ravel() + 0.5) * s], 1))
        ss.append(np.full(n * n, s))
    return np.concatenate(cs).astype(np.float32), np.concatenate(ss).astype(np.float32)


def flatten(outs):
    """Per-level (box [B,4,h,w], cls [B,1,h,w]) → ltrb distances [B,A,4] in
    pixels (softplus × stride) and logits [B,A]."""
    boxes, logits = [], []
    for (b, c), s in zip(outs, STRIDES):
        B = b.shape[0]
        boxes.append(F.softplus(b).reshape(B, 4, -1).transpose(1, 2) * s)
        logits.append(c.reshape(B, -1))
    return torch.cat(boxes, 1), torch.cat(logits, 1)


class Export(nn.Module):
    """Decodes to YOLOv8's layout: [1, 4+1, A] with cx, cy, w, h in input
    pixels and the sigmoid score."""

    def __init__(self, net, size):
        super().__init__()
        self.net = net
        c, _ = grid_centres(size)
        self.register_buffer("centres", torch.from_numpy(c))

    def forward(self, x):
        ltrb, logit = flatten(self.net(x))
        c = self.centres[None]
        x1y1 = c - ltrb[..., :2]
        x2y2 = c + ltrb[..., 2:]
        out = torch.cat([(x1y1 + x2y2) / 2, x2y2 - x1y1, torch.sigmoid(logit)[..., None]], -1)
        return out.transpose(1, 2)


def assign(gts, centres, strides, min_height, radius=2.5):
    """gts: list of [n,4] boxes per image. Returns targets [B,A] in {0,1},
    ignore mask [B,A], and per positive cell the box [B,A,4] (x1y1x2y2)."""
    B, A = len(gts), len(centres)
    tgt = np.zeros((B, A), np.float32)
    ign = np.zeros((B, A), bool)
    box = np.zeros((B, A, 4), np.float32)
    best = np.full((B, A), np.inf, np.float32)
    for i, g in enumerate(gts):
        for b in g:
            x1, y1, x2, y2 = b
            w, h = x2 - x1, y2 - y1
            if w <= 0 or h <= 0:
                continue
            cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
            inside = (centres[:, 0] > x1) & (centres[:, 0] < x2) & (centres[:, 1] > y1) & (centres[:, 1] < y2)
            if h < min_height:
                ign[i] |= inside
                # the cell holding the centre at stride 8
                ign[i] |= (np.abs(centres[:, 0] - cx) < strides / 2) & (np.abs(centres[:, 1] - cy) < strides / 2) & (strides == 8)
                continue
            m = max(w, h)
            lvl = strides == (8 if m <= 64 else 16 if m <= 128 else 32)
            near = (np.abs(centres[:, 0] - cx) < radius * strides) & (np.abs(centres[:, 1] - cy) < radius * strides)
            centre_cell = (np.abs(centres[:, 0] - cx) <= strides / 2) & (np.abs(centres[:, 1] - cy) <= strides / 2)
            pos = lvl & ((inside & near) | centre_cell)
            area = w * h
            take = pos & (area < best[i])
            best[i][take] = area
            tgt[i][take] = 1
            box[i][take] = b
    ign &= tgt == 0
    return tgt, ign, box


def giou(a, b):
    """GIoU of x1y1x2y2 boxes [...,4]."""
    ix1 = torch.max(a[..., 0], b[..., 0])
    iy1 = torch.max(a[..., 1], b[..., 1])
    ix2 = torch.min(a[..., 2], b[..., 2])
    iy2 = torch.min(a[..., 3], b[..., 3])
    inter = (ix2 - ix1).clamp(min=0) * (iy2 - iy1).clamp(min=0)
    aa = (a[..., 2] - a[..., 0]) * (a[..., 3] - a[..., 1])
    ab = (b[..., 2] - b[..., 0]) * (b[..., 3] - b[..., 1])
    union = aa + ab - inter + 1e-7
    iou = inter / union
    cx1 = torch.min(a[..., 0], b[..., 0])
    cy1 = torch.min(a[..., 1], b[..., 1])
    cx2 = torch.max(a[..., 2], b[..., 2])
    cy2 = torch.max(a[..., 3], b[..., 3])
    c = (cx2 - cx1) * (cy2 - cy1) + 1e-7
    return iou - (c - union) / c


def augment(imgs, boxes, rng, crop=None):
    """Random flip, scale with shift, and colour jitter; pad 114.
    imgs uint8 [B,3,S,S]; boxes list of [n,4]. Returns float [B,3,C,C] in
    0..1 and the new boxes (clipped; boxes mostly outside are dropped).

    Without crop (C = S) the scale is 0.7–1.3 and the shift ±15 %. With
    crop the network learns on C×C windows of the S×S frames at scale
    0.5–1.4, each centred at a random point of the frame: at scale 1 the
    people keep the pixels they have at the export size S, at 0.5 a
    window holds the whole frame, so the large people are seen whole."""
    B = len(imgs)
    S = imgs.shape[-1]
    C = crop or S
    x = torch.from_numpy(np.ascontiguousarray(imgs)).float()
    theta = np.zeros((B, 2, 3), np.float32)
    out = []
    for i in range(B):
        if crop is None:
            s = math.exp(rng.uniform(-0.35, 0.35))
            flip = rng.random() < 0.5
            tx, ty = rng.uniform(-0.15, 0.15, 2) * S
            fx = -1.0 if flip else 1.0
            # The frame point shown at the window centre.
            q0 = np.array([(S - 1) / 2 - fx * tx / s, (S - 1) / 2 - ty / s])
        else:
            s = math.exp(rng.uniform(math.log(0.5), math.log(1.4)))
            flip = rng.random() < 0.5
            fx = -1.0 if flip else 1.0
            half = (C - 1) / (2 * s)
            lo, hi = min(half, (S - 1) / 2), max(S - 1 - half, (S - 1) / 2)
            q0 = rng.uniform(lo, hi, 2)
        # Window pixel p shows frame pixel q = F (p - c) / s + q0 (F flips
        # x); in align_corners=True units u_q = F (C-1)/((S-1) s) u_p + 2 q0/(S-1) - 1.
        k = (C - 1) / ((S - 1) * s)
        theta[i] = [[fx * k, 0, 2 * q0[0] / (S - 1) - 1], [0, k, 2 * q0[1] / (S - 1) - 1]]
        b = boxes[i].copy()
        if len(b):
            c = (C - 1) / 2
            xs = fx * s * (b[:, [0, 2]] - q0[0]) + c
            if flip:
                xs = xs[:, ::-1]
            b[:, [0, 2]] = xs
            b[:, [1, 3]] = s * (b[:, [1, 3]] - q0[1]) + c
            area0 = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
            b = np.clip(b, 0, C)
            area1 = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
            b = b[(area1 > 0.4 * area0) & (b[:, 2] - b[:, 0] > 1) & (b[:, 3] - b[:, 1] > 1)]
        out.append(b)
    grid = F.affine_grid(torch.from_numpy(theta), (B, 3, C, C), align_corners=True)
    x = F.grid_sample(x - PAD, grid, mode="bilinear", padding_mode="zeros", align_corners=True) + PAD
    br = torch.from_numpy(rng.uniform(0.7, 1.3, B).astype(np.float32))[:, None, None, None]
    ct = torch.from_numpy(rng.uniform(0.7, 1.3, B).astype(np.float32))[:, None, None, None]
    sa = torch.from_numpy(rng.uniform(0.6, 1.4, B).astype(np.float32))[:, None, None, None]
    x = x * br
    m = x.mean(dim=(1, 2, 3), keepdim=True)
    x = (x - m) * ct + m
    g = x.mean(dim=1, keepdim=True)
    x = ((x - g) * sa + g).clamp(0, 255)
    return x / 255, out


def nms(b, s, iou):
    order = np.argsort(-s, kind="stable")
    keep = []
    while len(order):
        i = order[0]
        keep.append(i)
        if len(order) == 1:
            break
        r = order[1:]
        ix1 = np.maximum(b[i, 0], b[r, 0])
        iy1 = np.maximum(b[i, 1], b[r, 1])
        ix2 = np.minimum(b[i, 2], b[r, 2])
        iy2 = np.minimum(b[i, 3], b[r, 3])
        inter = np.clip(ix2 - ix1, 0, None) * np.clip(iy2 - iy1, 0, None)
        ua = (b[i, 2] - b[i, 0]) * (b[i, 3] - b[i, 1]) + (b[r, 2] - b[r, 0]) * (b[r, 3] - b[r, 1]) - inter
        order = r[inter / np.maximum(ua, 1e-9) <= iou]
    return np.array(keep, int)


def iou_matrix(a, b):
    ix1 = np.maximum(a[:, None, 0], b[None, :, 0])
    iy1 = np.maximum(a[:, None, 1], b[None, :, 1])
    ix2 = np.minimum(a[:, None, 2], b[None, :, 2])
    iy2 = np.minimum(a[:, None, 3], b[None, :, 3])
    inter = np.clip(ix2 - ix1, 0, None) * np.clip(iy2 - iy1, 0, None)
    aa = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    ab = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    return inter / np.maximum(aa[:, None] + ab[None] - inter, 1e-9)


def predict(exp, imgs, batch=16, conf=0.001, nms_iou=0.6):
    """Runs the exported head; returns per image [n,5] x1,y1,x2,y2,score after NMS."""
    exp.eval()
    res = []
    with torch.no_grad():
        for i in range(0, len(imgs), batch):
            x = torch.from_numpy(np.ascontiguousarray(imgs[i:i + batch])).float() / 255
            o = exp(x).numpy()  # [B,5,A]
            for d in o:
                m = d[4] >= conf
                cx, cy, w, h, s = d[:, m]
                b = np.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], 1)
                top = np.argsort(-s, kind="stable")[:300]
                b, s = b[top], s[top]
                k = nms(b, s, nms_iou)
                res.append(np.concatenate([b[k], s[k, None]], 1))
    return res


def ap50(dets, gts, min_height):
    """AP at IoU 0.5 (101-point, as pycocotools). Ground truths shorter than
    min_height pixels are ignored: a detection matching one (IoU ≥ 0.5) counts
    neither way."""
    recs, npos = [], 0
    for d, g in zip(dets, gts):
        h = g[:, 3] - g[:, 1] if len(g) else np.zeros(0)
        care = h >= min_height
        npos += int(care.sum())
        # Match cared-for GTs first, then ignored ones, greedily by score.
        order = np.argsort(-d[:, 4], kind="stable")
        d = d[order]
        taken = np.zeros(len(g), bool)
        iou = iou_matrix(d[:, :4], g[:, :4]) if len(g) and len(d) else np.zeros((len(d), len(g)))
        for j in range(len(d)):
            status = 0  # 0 false positive, 1 true positive, 2 ignored
            if len(g):
                cand = np.where(~taken & care & (iou[j] >= 0.5))[0]
                if len(cand):
                    taken[cand[iou[j, cand].argmax()]] = True
                    status = 1
                elif (iou[j][~care] >= 0.5).any():
                    status = 2
            if status != 2:
                recs.append((d[j, 4], status))
    if npos == 0:
        return 0.0
    recs.sort(key=lambda r: -r[0])
    tp = np.cumsum([r[1] for r in recs])
    fp = np.cumsum([1 - r[1] for r in recs])
    rc = tp / npos
    pr = tp / np.maximum(tp + fp, 1)
    for i in range(len(pr) - 2, -1, -1):
        pr[i] = max(pr[i], pr[i + 1])
    q = np.zeros(101)
    inds = np.searchsorted(rc, np.linspace(0, 1, 101), side="left")
    for j, ii in enumerate(inds):
        if ii < len(pr):
            q[j] = pr[ii]
    return float(q.mean())


def load_frames(dirs):
    """Frames with complete labels (fewer boxes than the per-frame cap)."""
    imgs, gts, total = [], [], 0
    for d in dirs:
        im = common.load(os.path.join(d, "images.npy"), mmap=True)
        bx = common.load(os.path.join(d, "boxes.npy"), mmap=False)
        total += len(bx)
        n = (bx[..., 4] > 0).sum(1)
        keep = np.where(n < bx.shape[1])[0]
        imgs.append(np.asarray(im[keep]))
        gts += [bx[i][bx[i, :, 4] > 0, :4].astype(np.float32) for i in keep]
    return np.concatenate(imgs), gts, total


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--train", nargs="+", required=True)
    ap.add_argument("--val", required=True)
    ap.add_argument("--out", required=True, help="output path without extension: <out>.onnx, <out>.card.yaml and <out>-state.pt")
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--width", type=int, default=32)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--min-height", type=float, default=8, help="train: boxes shorter than this (px) are ignored")
    ap.add_argument("--eval-min-height", type=float, default=0,
                    help="AP: ground truths shorter than this (px, letterbox) are ignored; 0: the pose node's crop minimum, 40 px of a 640-wide frame (20 px at 320)")
    ap.add_argument("--crop", type=int, default=0,
                    help="train on CROP×CROP windows of the frames (scale 0.5–1.4) and export at the frames' size; 0 trains on whole frames")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--command", default="")
    a = ap.parse_args()
    common.seed_everything(a.seed)
    nthreads = common.threads()
    xs, gts, total = load_frames(a.train)
    vx, vg, vtotal = load_frames([a.val])
    common.log(f"detector: {len(xs)} training frames with complete labels (of {total}), {sum(len(g) for g in gts)} boxes; "
               f"{len(vx)} validation frames (of {vtotal}); {nthreads} threads")
    size = xs.shape[-1]
    if vx.shape[-1] != size:
        raise SystemExit(f"detector: validation frames are {vx.shape[-1]} px, training frames {size} px")
    crop = a.crop or None
    if crop is not None and (crop % STRIDES[-1] or crop > size):
        raise SystemExit(f"detector: --crop {crop}: want a multiple of {STRIDES[-1]} no larger than the frames ({size} px)")
    if not a.eval_min_height:
        a.eval_min_height = 20 * size / 320
    net = DetectorSmall(a.width)
    exp = Export(net, size)
    centres, strides = grid_centres(crop or size)
    tc = torch.from_numpy(centres)
    opt = torch.optim.AdamW(net.parameters(), lr=a.lr, weight_decay=5e-4)
    steps_per_epoch = max(1, len(xs) // a.batch)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=a.lr, total_steps=a.epochs * steps_per_epoch, pct_start=0.1)
    rng = np.random.default_rng(a.seed)
    t0 = time.time()
    history = []
    for ep in range(a.epochs):
        net.train()
        order = rng.permutation(len(xs))
        tl = tb = 0.0
        for s in range(steps_per_epoch):
            idx = np.sort(order[s * a.batch:(s + 1) * a.batch])
            x, bs = augment(xs[idx], [gts[i] for i in idx], rng, crop)
            tgt, ign, box = assign(bs, centres, strides, a.min_height)
            ltrb, logit = flatten(net(x))
            tgt_t = torch.from_numpy(tgt)
            w = torch.from_numpy((~ign).astype(np.float32))
            npos = max(float(tgt.sum()), 1.0)
            lcls = (F.binary_cross_entropy_with_logits(logit, tgt_t, reduction="none") * w).sum() / npos
            pos = torch.from_numpy(tgt > 0)
            if pos.any():
                c = tc[None].expand(len(idx), -1, -1)[pos]
                pb = torch.cat([c - ltrb[pos][:, :2], c + ltrb[pos][:, 2:]], 1)
                gb = torch.from_numpy(box)[pos]
                st = torch.from_numpy(strides)[None].expand(len(idx), -1)[pos][:, None]
                gl = torch.cat([c - gb[:, :2], gb[:, 2:] - c], 1)
                lbox = (1 - giou(pb, gb)).mean() + 0.5 * (F.l1_loss(ltrb[pos] / st, gl / st))
            else:
                lbox = torch.zeros(())
            loss = lcls + 2.0 * lbox
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(net.parameters(), 10.0)
            opt.step()
            sched.step()
            tl += lcls.item()
            tb += lbox.item()
        if (ep + 1) % 3 == 0 or ep + 1 == a.epochs:
            v = ap50(predict(exp, vx), vg, a.eval_min_height)
            history.append(round(v, 4))
            common.log(f"detector: epoch {ep + 1}/{a.epochs} cls {tl / steps_per_epoch:.3f} box {tb / steps_per_epoch:.3f} "
                       f"val AP@0.5 {v:.3f} ({time.time() - t0:.0f} s)")
        else:
            common.log(f"detector: epoch {ep + 1}/{a.epochs} cls {tl / steps_per_epoch:.3f} box {tb / steps_per_epoch:.3f} ({time.time() - t0:.0f} s)")
    train_s = time.time() - t0
    dets = predict(exp, vx)
    ap_main = ap50(dets, vg, a.eval_min_height)
    ap_all = ap50(dets, vg, 0)
    onnx_path = a.out + ".onnx"
    common.export(exp, torch.zeros(1, 3, size, size), ["images"], ["output0"], onnx_path)
    # The weights too, so that the network can be exported again at another
    # input size (the ONNX file bakes its anchor grid) without retraining.
    torch.save({"net": net.state_dict(), "width": a.width, "size": size, "crop": crop, "epochs": a.epochs}, a.out + "-state.pt")
    nbytes = os.path.getsize(onnx_path)
    A = len(grid_centres(size)[0])
    flops = 2 * common.macs(net, torch.zeros(1, 3, size, size))
    card = {
        "name": os.path.basename(a.out), "version": "1", "task": "detection",
        "family": "yolo", "decoder": "yolo",
        "description": "Small single-class person detector for the top-down pose path, trained on CPU on gopercept "
                       "simulate data. YOLOv8-style output [1, 4+1, A]: cx, cy, w, h in input (letterbox) pixels and the "
                       "person score after a sigmoid, over anchor-free cells of strides 8/16/32 ("
                       + " + ".join(f"{size // st}x{size // st}" for st in STRIDES) + f" = {A}, "
                       "each level row-major). NMS is the caller's.",
        "inputs": [{"name": "images", "shape": [1, 3, size, size], "type": "float32", "layout": "NCHW"}],
        "outputs": [{"name": "output0", "shape": [1, 5, A], "type": "float32", "layout": "NCA"}],
        "normalisation": {"scale": round(1 / 255, 10), "colour_order": "rgb"},
        "classes": [{"id": 0, "name": "person"}],
        "parameters": {"input_size": size, "pad": PAD, "score_threshold": 0.25, "nms_iou": 0.6, "strides": list(STRIDES)},
        "provenance": {"training_data": f"gopercept simulate --dataset pose --detector-size {size} --cameras front --width 640 --height 480 --every 2 "
                                        "--duration 20 (images.npy/boxes.npy; frames with fewer boxes than the per-frame cap, i.e. complete labels), "
                                        + (f"trained on {crop}x{crop} windows of the {size}x{size} frames at scale 0.5-1.4, " if crop else "")
                                        + "training seeds " + ",".join(str(yaml.safe_load(open(os.path.join(d, 'meta.yaml')))["seed"]) for d in a.train)
                                        + f" ({len(xs)} frames); validation seed "
                                        + str(yaml.safe_load(open(os.path.join(a.val, 'meta.yaml')))["seed"]) + f" ({len(vx)} frames)",
                       "seed": a.seed, "command": a.command, "license": "Apache-2.0", "source": "tools/train/detector.py"},
        "metrics": {
            "val_ap50": round(ap_main, 4), "val_ap50_all_sizes": round(ap_all, 4),
            "metric_definition": f"Python, on the validation seed's complete-label frames: score >= 0.001, top 300, NMS IoU 0.6, "
                                 f"AP at IoU 0.5 (101-point); val_ap50 counts ground truths at least {a.eval_min_height:g} px tall "
                                 f"(letterbox; shorter ones are ignore regions), val_ap50_all_sizes counts every box",
            "epochs": a.epochs, "batch": a.batch, "width": a.width, "crop": crop or size, "val_ap50_history": history,
            "train_seconds": round(train_s), "train_threads": nthreads,
            "params": common.count_params(net), "flops": int(flops), "size_bytes": nbytes,
            "onnx_sha256": common.sha256(onnx_path),
        },
    }
    common.write_card(a.out + ".card.yaml", card)
    common.log(f"detector: wrote {onnx_path} ({nbytes / 1e6:.2f} MB, {flops / 1e9:.2f} GFLOPs), validation AP@0.5 {ap_main:.3f} "
               f"(all sizes {ap_all:.3f}), in {train_s:.0f} s")



if __name__ == "__main__":
    main()
