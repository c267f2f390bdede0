"""Train gopercept's small query-based BEV detector (card family bev-query):
a tiny PETR (Liu et al., ECCV 2022) on `gopercept simulate --dataset bev`.

  inputs   img        [N,3,128,352]  ImageNet-normalised RGB, the 704×256
                                     camera image resized by 0.5 (the node's
                                     bilinear resize, which at 0.5 is a 2×2
                                     mean, as here)
           lidar2img  [N,4,4]        base_link → input pixel (homogeneous),
                                     the resize included: [aug·K | 0] · T⁻¹
                                     with T = base_link ← camera optical
  outputs  boxes      [Q,10]         x, y, z (m, base_link), log w, log l,
                                     log h (w across, l along the heading),
                                     sin yaw, cos yaw, vx, vy (m/s)
           logits     [Q,K]          class logits (sigmoid, no NMS)

The network: a stride-16 CNN per camera; PETR's 3D position embedding (the
frustum of every feature cell at D depths, taken to base_link through the
inverse of lidar2img — a 3×3 inverse written out, since ONNX has no matrix
inverse — normalised to the detection range and embedded by two 1×1
convolutions); Q learned reference points whose embedding queries the
features through a 2-layer transformer decoder (self-attention, cross-
attention, FFN). DETR's set loss: Hungarian matching (scipy) on focal
class cost and L1 box cost, sigmoid focal loss and L1 on every layer.

    /usr/bin/python3 tools/train/query_bev.py --train DIR [DIR...] --val DIR --out models/bev-query-small
"""
import argparse
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import yaml
from scipy.optimize import linear_sum_assignment

import common

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bev import ap_centre  # noqa: E402  (the same 2 m centre-distance AP as the other BEV trainer)

MEAN = np.array([123.675, 116.28, 103.53], np.float32)
STD = np.array([58.395, 57.12, 57.375], np.float32)
RESIZE = 0.5
CROP_Y = 32    # scaled rows cropped off the top (mostly sky): the node's bottom crop of 128 → 96 rows
PC_MIN = np.array([-51.2, -51.2, -5.0], np.float32)
PC_MAX = np.array([51.2, 51.2, 3.0], np.float32)
STRIDE = 16
DEPTHS = 16
DEPTH_MIN, DEPTH_MAX = 1.0, 60.0


def conv_bn(cin, cout, k=3, s=1):
    return nn.Sequential(nn.Conv2d(cin, cout, k, s, k // 2, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


def inverse_sigmoid(x, eps=1e-5):
    x = x.clamp(eps, 1 - eps)
    return torch.log(x / (1 - x))


def inv3(m):
    """Inverse of [...,3,3] through the adjugate (ONNX exportable)."""
    r0, r1, r2 = m[..., 0, :], m[..., 1, :], m[..., 2, :]

    def cross(a, b):
        return torch.stack([a[..., 1] * b[..., 2] - a[..., 2] * b[..., 1],
                            a[..., 2] * b[..., 0] - a[..., 0] * b[..., 2],
                            a[..., 0] * b[..., 1] - a[..., 1] * b[..., 0]], -1)

    c0, c1, c2 = cross(r1, r2), cross(r2, r0), cross(r0, r1)
    det = (r0 * c0).sum(-1, keepdim=True)
    # Columns of the inverse are c0, c1, c2 over the determinant.
    return torch.stack([c0, c1, c2], -1) / det.unsqueeze(-1)


def pos2posemb3d(pos, feats=32, temperature=10000):
    """PETR's sine embedding of normalised 3D points [...,3] → [...,3·feats]."""
    scale = 2 * math.pi
    pos = pos * scale
    dim_t = torch.arange(feats, dtype=torch.float32)
    dim_t = temperature ** (2 * torch.div(dim_t, 2, rounding_mode="floor") / feats)
    out = []
    for k in range(3):
        p = pos[..., k, None] / dim_t
        out.append(torch.stack((p[..., 0::2].sin(), p[..., 1::2].cos()), -1).flatten(-2))
    return torch.cat([out[1], out[0], out[2]], -1)


class Attention(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.h = heads
        self.q, self.k, self.v, self.o = nn.Linear(d, d), nn.Linear(d, d), nn.Linear(d, d), nn.Linear(d, d)

    def forward(self, q, k, v):
        Q, L, d = q.shape[0], k.shape[0], q.shape[1]
        hd = d // self.h
        qq = self.q(q).reshape(Q, self.h, hd).transpose(0, 1)
        kk = self.k(k).reshape(L, self.h, hd).transpose(0, 1)
        vv = self.v(v).reshape(L, self.h, hd).transpose(0, 1)
        a = torch.softmax(qq @ kk.transpose(1, 2) / math.sqrt(hd), -1)
        return self.o((a @ vv).transpose(0, 1).reshape(Q, d))


class DecoderLayer(nn.Module):
    def __init__(self, d, heads, ff):
        super().__init__()
        self.sa, self.ca = Attention(d, heads), Attention(d, heads)
        self.n1, self.n2, self.n3 = nn.LayerNorm(d), nn.LayerNorm(d), nn.LayerNorm(d)
        self.ff = nn.Sequential(nn.Linear(d, ff), nn.ReLU(inplace=True), nn.Linear(ff, d))

    def forward(self, t, qpos, mem, mpos):
        q = t + qpos
        t = self.n1(t + self.sa(q, q, t))
        t = self.n2(t + self.ca(t + qpos, mem + mpos, mem))
        return self.n3(t + self.ff(t))


class TinyPETR(nn.Module):
    def __init__(self, classes, queries=144, d=64, heads=4, layers=2, w=12):
        super().__init__()
        self.classes, self.d = classes, d
        self.body = nn.Sequential(
            conv_bn(3, w, 3, 2), conv_bn(w, 2 * w, 3, 2), conv_bn(2 * w, 32, 3, 2), conv_bn(32, 48, 3, 2),
            conv_bn(48, 64), nn.Conv2d(64, d, 1))
        self.pe = nn.Sequential(nn.Conv2d(3 * DEPTHS, 2 * d, 1), nn.ReLU(inplace=True), nn.Conv2d(2 * d, d, 1))
        # Reference points start on a regular BEV lattice about a car's
        # centre height (learnt from there), which speeds up the set
        # matching a lot over uniform random points.
        self.ref = nn.Embedding(queries, 3)
        side = int(math.ceil(math.sqrt(queries)))
        g = (torch.arange(queries, dtype=torch.float32) + 0.5)
        with torch.no_grad():
            self.ref.weight[:, 0] = ((g - 0.5) % side + 0.5) / side
            self.ref.weight[:, 1] = (torch.div(g - 0.5, side, rounding_mode="floor") + 0.5) / side
            self.ref.weight[:, 2] = 0.7
        self.qpos = nn.Sequential(nn.Linear(96, d), nn.ReLU(inplace=True), nn.Linear(d, d))
        self.layers = nn.ModuleList([DecoderLayer(d, heads, 2 * d) for _ in range(layers)])
        self.cls = nn.ModuleList([nn.Linear(d, classes) for _ in range(layers)])
        self.reg = nn.ModuleList([nn.Sequential(nn.Linear(d, d), nn.ReLU(inplace=True), nn.Linear(d, 10)) for _ in range(layers)])
        for c in self.cls:
            nn.init.constant_(c.bias, -4.6)  # focal-loss prior 0.01
        idx = torch.arange(DEPTHS, dtype=torch.float32)
        # PETR's linear-increasing depth bins from DEPTH_MIN to DEPTH_MAX.
        bin_size = (DEPTH_MAX - DEPTH_MIN) / (DEPTHS * (1 + DEPTHS))
        self.register_buffer("depths", DEPTH_MIN + bin_size * idx * (idx + 1), persistent=False)

    def position(self, lidar2img, fh, fw):
        """PETR's 3D position embedding: [N,d,fh,fw]."""
        u = (torch.arange(fw, dtype=torch.float32) + 0.5) * STRIDE
        v = (torch.arange(fh, dtype=torch.float32) + 0.5) * STRIDE
        dd = self.depths
        D = dd.shape[0]
        uu = u[None, None, :].expand(D, fh, fw)
        vv = v[None, :, None].expand(D, fh, fw)
        zz = dd[:, None, None].expand(D, fh, fw)
        pix = torch.stack([uu * zz, vv * zz, zz], -1).reshape(1, -1, 3)  # [1,D·fh·fw,3]
        m, t = lidar2img[:, :3, :3], lidar2img[:, :3, 3]
        pts = (pix - t[:, None, :]) @ inv3(m).transpose(1, 2)  # [N,P,3] base_link
        lo, hi = torch.from_numpy(PC_MIN), torch.from_numpy(PC_MAX)
        pts = inverse_sigmoid(((pts - lo) / (hi - lo)))
        pts = pts.reshape(-1, D, fh, fw, 3).permute(0, 1, 4, 2, 3).reshape(-1, D * 3, fh, fw)
        return self.pe(pts)

    def forward(self, img, lidar2img):
        f = self.body(img)
        d, fh, fw = f.shape[1], f.shape[2], f.shape[3]
        pos = self.position(lidar2img, fh, fw)
        mem = f.permute(0, 2, 3, 1).reshape(-1, d)
        mpos = pos.permute(0, 2, 3, 1).reshape(-1, d)
        ref = self.ref.weight.clamp(0, 1)
        qpos = self.qpos(pos2posemb3d(ref))
        t = torch.zeros_like(qpos)
        lo, hi = torch.from_numpy(PC_MIN), torch.from_numpy(PC_MAX)
        outs = []
        for layer, cls, reg in zip(self.layers, self.cls, self.reg):
            t = layer(t, qpos, mem, mpos)
            r = reg(t)
            centre = torch.sigmoid(inverse_sigmoid(ref) + r[:, 0:3]) * (hi - lo) + lo
            outs.append((torch.cat([centre, r[:, 3:]], 1), cls(t)))
        return outs


class Export(nn.Module):
    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, img, lidar2img):
        boxes, logits = self.net(img, lidar2img)[-1]
        return boxes, logits


def downsample(imgs):
    """The node's bilinear resize by 0.5 (pixel centres at 2x + ½ in the
    source): the mean of each 2×2 block."""
    x = imgs.astype(np.float32)
    return 0.25 * (x[..., 0::2, 0::2] + x[..., 0::2, 1::2] + x[..., 1::2, 0::2] + x[..., 1::2, 1::2])


def lidar2img(intr, extr, s, crop_y):
    """[C,4,4]: [A·K | 0] · (base_link ← optical)⁻¹ with A the resize by s
    and the crop of crop_y rows off the top (bev.ResizeCrop)."""
    out = np.zeros((len(intr), 4, 4), np.float64)
    for c in range(len(intr)):
        aug = np.array([[s, 0, 0], [0, s, -crop_y], [0, 0, 1.0]])
        vp = np.eye(4)
        vp[:3, :3] = aug @ np.asarray(intr[c], np.float64)
        out[c] = vp @ np.linalg.inv(np.asarray(extr[c], np.float64))
    return out.astype(np.float32)


class Data:
    def __init__(self, dirs, classes):
        self.imgs, self.l2i, self.boxes = [], [], []
        for d in dirs:
            imgs = common.load(os.path.join(d, "images.npy"))
            intr = common.load(os.path.join(d, "intrinsics.npy"))
            extr = common.load(os.path.join(d, "extrinsics.npy"))
            boxes = common.load(os.path.join(d, "boxes.npy"))
            for i in range(len(imgs)):
                self.imgs.append(downsample(np.asarray(imgs[i]))[..., CROP_Y:, :].astype(np.float16))
                self.l2i.append(lidar2img(intr[i], extr[i], RESIZE, CROP_Y))
                b = np.asarray(boxes[i])
                keep = (b[:, 9] >= 0) & (b[:, 9] < classes) & (np.abs(b[:, 0]) < 51.2) & (np.abs(b[:, 1]) < 51.2)
                self.boxes.append(b[keep].copy())

    def __len__(self):
        return len(self.imgs)

    def input(self, i, rng=None):
        """Sample i normalised; with rng, augmented as PETR trains: each
        camera flipped left-right at random (the flip folded into its
        lidar2img: u' = W − u, so the 3D targets stay) and its brightness
        and contrast jittered."""
        x = self.imgs[i].astype(np.float32)
        l2i = self.l2i[i].copy()
        if rng is not None:
            w = x.shape[-1]
            for c in range(len(x)):
                if rng.random() < 0.5:
                    x[c] = x[c][..., ::-1]
                    l2i[c, 0] = -l2i[c, 0] + w * l2i[c, 2]
                x[c] = np.clip((x[c] - 128) * rng.uniform(0.8, 1.2) + 128 + rng.uniform(-20, 20), 0, 255)
        x = torch.from_numpy(np.ascontiguousarray(x))
        x = (x - torch.from_numpy(MEAN)[None, :, None, None]) / torch.from_numpy(STD)[None, :, None, None]
        return x, torch.from_numpy(l2i)


def targets(b):
    """Simulator boxes (x, y, z, l, w, h, yaw, vx, vy, class) as the card's
    10 columns: x, y, z, log w, log l, log h, sin, cos, vx, vy."""
    t = np.stack([b[:, 0], b[:, 1], b[:, 2], np.log(np.maximum(b[:, 4], 0.05)), np.log(np.maximum(b[:, 3], 0.05)),
                  np.log(np.maximum(b[:, 5], 0.05)), np.sin(b[:, 6]), np.cos(b[:, 6]), b[:, 7], b[:, 8]], 1)
    return torch.from_numpy(t.astype(np.float32)), torch.from_numpy(b[:, 9].astype(np.int64))


CODE_W = torch.tensor([1, 1, 1, 1, 1, 1, 1, 1, 0.2, 0.2])


def set_loss(boxes, logits, tb, tc, classes):
    """DETR's set loss as PETR weights it: matching on focal class cost (2.0)
    and L1 over the first 8 columns (0.25); loss = 2·focal + 0.25·L1."""
    prob = logits.sigmoid()
    q = boxes.shape[0]
    target = torch.zeros(q, classes)
    l1 = boxes.sum() * 0
    if len(tb):
        with torch.no_grad():
            p = prob[:, tc]
            neg = -(1 - 0.25) * p ** 2 * torch.log(1 - p + 1e-8)
            pos = -0.25 * (1 - p) ** 2 * torch.log(p + 1e-8)
            cost = 2.0 * (pos - neg) + 0.25 * torch.cdist(boxes[:, :8], tb[:, :8], p=1)
            qi, gi = linear_sum_assignment(cost.numpy())
        qi, gi = torch.from_numpy(qi), torch.from_numpy(gi)
        target[qi, tc[gi]] = 1
        l1 = (torch.abs(boxes[qi] - tb[gi]) * CODE_W).sum() / len(tb)
    p = prob
    ce = F.binary_cross_entropy_with_logits(logits, target, reduction="none")
    pt = p * target + (1 - p) * (1 - target)
    lf = (ce * (1 - pt) ** 2 * (0.25 * target + 0.75 * (1 - target))).sum() / max(1, len(tb))
    return 2.0 * lf, 0.25 * l1


def decode(boxes, logits, thr=0.05, topk=100):
    s, k = logits.sigmoid().max(1)
    order = torch.argsort(s, descending=True)[:topk]
    return [(float(boxes[o, 0]), float(boxes[o, 1]), int(k[o]), float(s[o])) for o in order.tolist() if float(s[o]) >= thr]


def evaluate(net, data, car=0, max_range=50.0):
    net.eval()
    dets, gts = [], {}
    with torch.no_grad():
        for i in range(len(data)):
            boxes, logits = net(*data.input(i))[-1]
            b = data.boxes[i]
            sel = (b[:, 9] == car) & (np.hypot(b[:, 0], b[:, 1]) <= max_range)
            gts[i] = b[sel][:, :2]
            for x, y, k, s in decode(boxes, logits):
                if k == car and math.hypot(x, y) <= max_range:
                    dets.append((i, (x, y), s))
    net.train()
    return ap_centre(dets, gts)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--train", nargs="+", required=True)
    ap.add_argument("--val", required=True)
    ap.add_argument("--out", required=True, help="output prefix: <out>.onnx and <out>.card.yaml")
    ap.add_argument("--epochs", type=int, default=100, help="passes at most (the time limit ends training first)")
    ap.add_argument("--queries", type=int, default=144)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--max-minutes", type=float, default=36, help="training time; the learning rate reaches zero then")
    ap.add_argument("--command", default="")
    a = ap.parse_args()
    common.seed_everything(a.seed)
    torch.set_num_threads(1)  # the training machine's 2 cores are shared
    meta = yaml.safe_load(open(os.path.join(a.train[0], "meta.yaml")))
    classes = meta["box_classes"]
    t0 = time.time()
    train = Data(a.train, len(classes))
    val = Data([a.val], len(classes))
    common.log(f"query_bev: {len(train)} training samples, {len(val)} validation, classes {classes} (loaded in {time.time() - t0:.0f} s)")
    net = TinyPETR(len(classes), queries=a.queries)
    opt = torch.optim.AdamW(net.parameters(), lr=a.lr, weight_decay=1e-2)
    # The learning rate follows the wall clock (linear warm-up over 100
    # steps, then cosine to zero at --max-minutes), since the shared
    # machine's speed varies several-fold with its load.
    limit = 60 * a.max_minutes

    def set_lr(step, elapsed):
        f = min(1.0, (step + 1) / 100) * 0.5 * (1 + math.cos(math.pi * min(1.0, elapsed / limit)))
        for g in opt.param_groups:
            g["lr"] = a.lr * f
    rng = np.random.default_rng(a.seed)
    best, history = -1.0, []
    t0 = time.time()
    stop = False
    steps = 0
    for ep in range(a.epochs):
        sums = np.zeros(2)
        for step, i in enumerate(rng.permutation(len(train))):
            set_lr(steps, time.time() - t0)
            steps += 1
            x, l2i = train.input(i, rng)
            tb, tc = targets(train.boxes[i])
            loss = 0
            parts = np.zeros(2)
            for boxes, logits in net(x, l2i):
                lf, l1 = set_loss(boxes, logits, tb, tc, len(classes))
                loss = loss + lf + l1
                parts += [float(lf), float(l1)]
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(net.parameters(), 35)
            opt.step()
            sums += parts
            if (step + 1) % 50 == 0:
                common.log(f"query_bev: epoch {ep + 1} step {step + 1}/{len(train)} focal {sums[0] / (step + 1):.3f} "
                           f"l1 {sums[1] / (step + 1):.3f} ({time.time() - t0:.0f} s)")
            if time.time() - t0 > limit:
                stop = True
                break
        car_ap = float(evaluate(net, val))
        history.append(round(car_ap, 4))
        common.log(f"query_bev: epoch {ep + 1}/{a.epochs} validation car AP@2m {car_ap:.3f} ({time.time() - t0:.0f} s)")
        if car_ap > best:
            best = car_ap
            write_model(a, net, meta, car_ap, ep + 1, steps, history, time.time() - t0)
        if stop:
            common.log("query_bev: time limit reached")
            break


def write_model(a, net, meta, car_ap, epochs, steps, history, seconds):
    ncam = len(meta["cameras"])
    H, W = meta["image"]["height"], meta["image"]["width"]
    ih, iw = int(H * RESIZE) - CROP_Y, int(W * RESIZE)
    path = a.out + ".onnx"
    q = net.ref.weight.shape[0]
    k = net.classes
    # The camera count is dynamic: convolutions per camera, and the keys of
    # the cross-attention are every camera's cells.
    common.export(Export(net), (torch.zeros(ncam, 3, ih, iw), torch.eye(4).repeat(ncam, 1, 1)), ["img", "lidar2img"], ["boxes", "logits"], path,
                  dynamic_axes={"img": {0: "N"}, "lidar2img": {0: "N"}})
    net.train()
    card = {
        "name": os.path.basename(a.out), "version": "1", "task": "bev 3d detection (query-based)", "family": "bev-query",
        "description": f"Tiny PETR: a stride-16 CNN per camera, PETR's 3D position embedding from lidar2img ({DEPTHS} depths "
                       f"{DEPTH_MIN:g}–{DEPTH_MAX:g} m), {q} learned reference points through a 2-layer transformer decoder; a DETR box "
                       "set (no NMS) in base_link.",
        "inputs": [{"name": "img", "shape": [-1, 3, ih, iw], "type": "float32", "layout": "NCHW"},
                   {"name": "lidar2img", "shape": [-1, 4, 4], "type": "float32"}],
        "outputs": [{"name": "boxes", "shape": [q, 10], "type": "float32"}, {"name": "logits", "shape": [q, k], "type": "float32"}],
        "normalisation": {"mean": [float(v) for v in MEAN], "std": [float(v) for v in STD], "scale": 1.0, "colour_order": "rgb"},
        "classes": [{"id": i, "name": n} for i, n in enumerate(meta["box_classes"])],
        "camera_geometry": {"images": "img", "lidar2img": "lidar2img", "frame": "base_frame",
                            "image_aug": {"resize": RESIZE, "crop": "bottom_center"}},
        "box_set": {"boxes": "boxes", "logits": "logits", "layout": ["x", "y", "z", "w", "l", "h", "sin", "cos", "vx", "vy"],
                    "size": "log", "scores": "sigmoid"},
        "provenance": {"training_data": "gopercept simulate --dataset bev, seeds " + ",".join(os.path.basename(d) for d in a.train)
                       + "; validation " + os.path.basename(a.val), "seed": a.seed, "command": a.command, "license": "Apache-2.0",
                       "source": "tools/train/query_bev.py"},
        "metrics": {"val_car_ap_2m": round(car_ap, 4), "epochs": epochs, "steps": steps, "history_val_car_ap_2m": history,
                    "train_seconds": round(seconds), "train_threads": 1,
                    "metric_definition": "Python, on the validation seed's samples: car AP by centre distance 2 m (101-point) "
                                         "within 50 m, sigmoid scores ≥ 0.05, top 100, no NMS",
                    "params": common.count_params(net), "size_bytes": os.path.getsize(path), "onnx_sha256": common.sha256(path)},
    }
    common.write_card(a.out + ".card.yaml", card)
    torch.save(net.state_dict(), a.out + ".pt")  # for re-scoring; not committed
    common.log(f"query_bev: wrote {path} after epoch {epochs}: car AP {car_ap:.3f}")


if __name__ == "__main__":
    main()
