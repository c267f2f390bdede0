"""Train gopercept's BEV models, split as CUDA-BEVFusion splits them so the
view transform stays in Go (bev/lss):

  camera encoder  img [N,3,256,704] (ImageNet-normalised RGB) →
                  depth [N,D,16,44] logits over bins 1–60 m by 0.5 m,
                  feature [N,C,16,44]
  fuser + heads   lidar_bev [1,5,256,256] (bev/pillar: count, max z, mean z,
                  mean intensity, occupancy) and camera_bev [1,C,256,256]
                  (the lift–splat sum) → CenterPoint heads on 128×128 cells
                  of 0.8 m (heatmap logits, reg, height, log dim, sin/cos
                  yaw, velocity) and occupancy logits [1,1,256,256].

    /usr/bin/python3 tools/train/bev.py --train DIR [DIR...] --val DIR --out models/bev
    /usr/bin/python3 tools/train/bev.py --eval DIR [DIR...] --out models/bev   (reload <out>-state.pt)

Modality dropout (--camera-only-p, --lidar-only-p) zeroes a training
sample's lidar_bev or camera_bev, which is exactly what the bevfusion node
feeds for a missing modality, so one fuser serves fused, lidar-only and
camera-only rigs; evaluate() scores all three.

DIR is written by `gopercept simulate --dataset bev` (see WriteBEVDataset):
the lift–splat here pools through its frustum_cells.npy, the node's own
geometry, so the trained fuser sees the camera BEV the node computes.
Depth is supervised by the lidar (BEVDepth), the rest end to end."""
import argparse
import math
import os
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import yaml

import camaware
import common

G = 256          # BEV grid cells a side (±51.2 m at 0.4 m)
RES = 0.4
XMIN = -51.2
STRIDE = 2       # head stride in grid cells
HG = G // STRIDE
MEAN = np.array([123.675, 116.28, 103.53], np.float32)
STD = np.array([58.395, 57.12, 57.375], np.float32)


def conv_bn(cin, cout, k=3, s=1, norm="batch"):
    # "instance" is what batch norm computes while training on one sample,
    # kept at inference too: running statistics pooled over fused,
    # lidar-only and camera-only samples would fit none of the three.
    n = nn.InstanceNorm2d(cout, affine=True) if norm == "instance" else nn.BatchNorm2d(cout)
    return nn.Sequential(nn.Conv2d(cin, cout, k, s, k // 2, bias=False), n, nn.ReLU(inplace=True))


class CameraEncoder(nn.Module):
    """A stride-16 CNN with two 1×1 heads: depth logits and context. With
    camera_aware, BEVDepth's camera-aware depth: the depth head reads the
    features gated by each camera's 27-value mlp_input (camaware.py)."""

    def __init__(self, depth_bins, channels, w=16, camera_aware=False):
        super().__init__()
        self.body = nn.Sequential(
            conv_bn(3, w, 3, 2), conv_bn(w, 2 * w, 3, 2), conv_bn(2 * w, 3 * w, 3, 2), conv_bn(3 * w, 3 * w),
            conv_bn(3 * w, 4 * w, 3, 2), conv_bn(4 * w, 4 * w))
        self.depth = nn.Conv2d(4 * w, depth_bins, 1)
        self.feature = nn.Conv2d(4 * w, channels, 1)
        self.gate = camaware.CameraGate(4 * w) if camera_aware else None

    def forward(self, img, mlp=None):
        x = self.body(img)
        d = x if self.gate is None else self.gate(x, mlp)
        return self.depth(d), self.feature(x)


def encoder_inputs(enc, data, i):
    """The encoder's inputs for sample i: its images, and its cameras'
    mlp_input when the encoder is camera-aware."""
    return (normalise_images(data.imgs[i]),) + ((torch.from_numpy(data.mlp[i]),) if enc.gate is not None else ())


def encode(enc, data, i):
    """The encoder on sample i."""
    return enc(*encoder_inputs(enc, data, i))


class Fuser(nn.Module):
    """Camera and lidar BEV concatenated, a small U-Net at 128/64/32/16
    cells (the coarse levels see whole buildings, whose footprints the
    occupancy must fill from their facades), CenterPoint heads at 128×128
    and occupancy upsampled to the grid."""

    def __init__(self, cam_channels, classes, w=32, norm="batch"):
        super().__init__()

        def cb(cin, cout, k=3, s=1):
            return conv_bn(cin, cout, k, s, norm)
        self.stem = cb(5 + cam_channels, w, 3, 2)
        self.b1 = cb(w, w)
        self.down1 = nn.Sequential(cb(w, 2 * w, 3, 2), cb(2 * w, 2 * w), cb(2 * w, 2 * w))
        self.down2 = nn.Sequential(cb(2 * w, 3 * w, 3, 2), cb(3 * w, 3 * w))
        self.down3 = nn.Sequential(cb(3 * w, 4 * w, 3, 2), cb(4 * w, 4 * w))
        self.lat3 = nn.Conv2d(4 * w, 3 * w, 1)
        self.up2 = cb(3 * w, 3 * w)
        self.lat2 = nn.Conv2d(3 * w, 2 * w, 1)
        self.up1 = cb(2 * w, 2 * w)
        self.lat1 = nn.Conv2d(2 * w, w, 1)
        self.up0 = cb(w, w)
        self.shared = cb(w, w)
        self.heads = nn.ModuleDict({"heatmap": nn.Conv2d(w, classes, 1), "reg": nn.Conv2d(w, 2, 1), "height": nn.Conv2d(w, 1, 1),
                                    "dim": nn.Conv2d(w, 3, 1), "rot": nn.Conv2d(w, 2, 1), "vel": nn.Conv2d(w, 2, 1),
                                    "occupancy": nn.Conv2d(w, 1, 1)})
        nn.init.constant_(self.heads["heatmap"].bias, -2.19)  # CenterPoint's prior

    def forward(self, lidar_bev, camera_bev):
        # Pillar statistics to comparable scales: log count, heights, intensity.
        lid = torch.cat([torch.log1p(lidar_bev[:, :1]), lidar_bev[:, 1:3] * 0.5, lidar_bev[:, 3:4], lidar_bev[:, 4:5]], 1)
        x1 = self.b1(self.stem(torch.cat([lid, camera_bev], 1)))
        x2 = self.down1(x1)
        x3 = self.down2(x2)
        x4 = self.down3(x3)
        y = self.up2(x3 + F.interpolate(self.lat3(x4), scale_factor=2.0, mode="nearest"))
        y = self.up1(x2 + F.interpolate(self.lat2(y), scale_factor=2.0, mode="nearest"))
        y = self.up0(x1 + F.interpolate(self.lat1(y), scale_factor=2.0, mode="nearest"))
        y = self.shared(y)
        out = {k: h(y) for k, h in self.heads.items()}
        out["occupancy"] = F.interpolate(out["occupancy"], scale_factor=2.0, mode="bilinear", align_corners=False)
        return out


HEADS = ["heatmap", "reg", "height", "dim", "rot", "vel", "occupancy"]


class FuserExport(nn.Module):
    def __init__(self, f):
        super().__init__()
        self.f = f

    def forward(self, lidar_bev, camera_bev):
        o = self.f(lidar_bev, camera_bev)
        return tuple(o[k] for k in HEADS)


def pillars(pts, n):
    """bev/pillar's five planes for one sweep (base_link points, z in [−5, 3))."""
    p = pts[:n]
    x, y, z, inten = p[:, 0], p[:, 1], p[:, 2], p[:, 3]
    fi, fj = (x - XMIN) / RES, (y - XMIN) / RES
    keep = (z >= -5) & (z < 3) & (fi >= 0) & (fi < G) & (fj >= 0) & (fj < G)
    cell = fj[keep].astype(np.int64) * G + fi[keep].astype(np.int64)
    z, inten = z[keep], inten[keep]
    out = np.zeros((5, G * G), np.float32)
    cnt = np.bincount(cell, minlength=G * G).astype(np.float32)
    out[0] = cnt
    mz = np.full(G * G, -np.inf, np.float32)
    np.maximum.at(mz, cell, z)
    has = cnt > 0
    out[1] = np.where(has, mz, 0)
    out[2] = np.where(has, np.bincount(cell, weights=z, minlength=G * G) / np.maximum(cnt, 1), 0)
    out[3] = np.where(has, np.bincount(cell, weights=inten, minlength=G * G) / np.maximum(cnt, 1), 0)
    out[4] = has
    return out.reshape(5, G, G)


def depth_targets(pts, n, intr, extr, h, w, fh, fw, dmin, dstep, bins):
    """Per camera and feature cell, the depth bin of the nearest lidar point
    (−1 where none): BEVDepth's explicit depth supervision."""
    out = np.full((len(intr), fh * fw), np.inf, np.float32)
    p = pts[:n, :3]
    for c in range(len(intr)):
        R, t = extr[c][:3, :3], extr[c][:3, 3]
        q = (p - t) @ R  # camera optical frame: R^T (p − t)
        z = q[:, 2]
        ok = z > 0.5
        u = intr[c][0, 0] * q[ok, 0] / z[ok] + intr[c][0, 2]
        v = intr[c][1, 1] * q[ok, 1] / z[ok] + intr[c][1, 2]
        zz = z[ok]
        inside = (u >= 0) & (u < w) & (v >= 0) & (v < h)
        cell = (v[inside] * fh / h).astype(np.int64) * fw + (u[inside] * fw / w).astype(np.int64)
        np.minimum.at(out[c], cell, zz[inside])
    b = np.round((out - dmin) / dstep)
    b = np.where(np.isfinite(out) & (b >= 0) & (b < bins), b, -1)
    return b.astype(np.int64).reshape(len(intr), fh, fw)


def head_targets(boxes, classes):
    """CenterPoint targets on the head grid: Gaussian heatmaps and, at each
    box centre cell, offset, z, log size, sin/cos yaw, velocity."""
    hm = np.zeros((classes, HG, HG), np.float32)
    reg = np.zeros((10, HG, HG), np.float32)
    mask = np.zeros((HG, HG), np.float32)
    cell = RES * STRIDE
    yy, xx = np.mgrid[0:HG, 0:HG]
    for b in boxes:
        k = int(b[9])
        if k < 0 or k >= classes:
            continue
        fx, fy = (b[0] - XMIN) / cell, (b[1] - XMIN) / cell
        ix, iy = int(fx), int(fy)
        if not (0 <= ix < HG and 0 <= iy < HG):
            continue
        r = max(1.0, 0.5 * math.hypot(b[3], b[4]) / cell)
        sigma = (2 * r + 1) / 6
        g = np.exp(-((xx - ix) ** 2 + (yy - iy) ** 2) / (2 * sigma * sigma))
        hm[k] = np.maximum(hm[k], g.astype(np.float32))
        reg[:, iy, ix] = [fx - ix, fy - iy, b[2], math.log(max(b[3], 0.05)), math.log(max(b[4], 0.05)), math.log(max(b[5], 0.05)),
                          math.sin(b[6]), math.cos(b[6]), b[7], b[8]]
        mask[iy, ix] = 1
    return hm, reg, mask


def focal(pred, gt):
    """CenterNet's penalty-reduced focal loss on logits."""
    p = torch.sigmoid(pred).clamp(1e-4, 1 - 1e-4)
    pos = gt.eq(1).float()
    neg = 1 - pos
    pl = torch.log(p) * (1 - p) ** 2 * pos
    nl = torch.log(1 - p) * p ** 2 * (1 - gt) ** 4 * neg
    npos = pos.sum()
    return -(pl.sum() + nl.sum()) / torch.clamp(npos, min=1)


class Data:
    def __init__(self, dirs, meta):
        self.imgs, self.lidar, self.depth, self.targets, self.occ, self.boxes, self.mlp = [], [], [], [], [], [], []
        fr = meta["frustum"]
        self.fh, self.fw = fr["feature_height"], fr["feature_width"]
        self.dmin, self.dstep = fr["depth_min"], fr["depth_step"]
        self.bins = int(round((fr["depth_max"] - fr["depth_min"]) / fr["depth_step"]))
        self.classes = len(meta["box_classes"])
        for d in dirs:
            imgs = common.load(os.path.join(d, "images.npy"))
            pts = common.load(os.path.join(d, "points.npy"))
            npts = common.load(os.path.join(d, "npoints.npy"))
            intr = common.load(os.path.join(d, "intrinsics.npy"))
            extr = common.load(os.path.join(d, "extrinsics.npy"))
            occ = common.load(os.path.join(d, "occupancy.npy"))
            boxes = common.load(os.path.join(d, "boxes.npy"))
            H, W = imgs.shape[3], imgs.shape[4]
            for i in range(len(imgs)):
                n = int(npts[i].reshape(-1)[0])
                self.imgs.append(imgs[i])
                self.lidar.append(pillars(pts[i], n))
                self.depth.append(depth_targets(pts[i], n, intr[i], extr[i], H, W, self.fh, self.fw, self.dmin, self.dstep, self.bins))
                self.targets.append(head_targets(boxes[i], self.classes))
                self.occ.append((np.asarray(occ[i]) > 0).astype(np.float32))
                self.mlp.append(camaware.mlp_input(intr[i], extr[i]))
                self.boxes.append(np.asarray(boxes[i]))
        self.cells = torch.from_numpy(np.load(os.path.join(dirs[0], "frustum_cells.npy")).astype(np.int64).reshape(-1))

    def __len__(self):
        return len(self.imgs)


def lift(cells, depth_logits, feat):
    """Lift–splat as bev/lss computes it: softmax over depth, the outer
    product with the context, summed into the grid cell of every frustum
    point (cells in the depth tensor's (n, k, v, u) order, −1 dropped)."""
    prob = torch.softmax(depth_logits, 1)
    c = feat.shape[1]
    vol = (prob.unsqueeze(2) * feat.unsqueeze(1)).permute(0, 1, 3, 4, 2).reshape(-1, c)
    keep = cells >= 0
    bev = torch.zeros(G * G, c, dtype=vol.dtype).index_add_(0, cells[keep], vol[keep])
    return bev.t().reshape(1, c, G, G)


def normalise_images(imgs):
    x = torch.from_numpy(np.asarray(imgs, np.float32))
    return (x - torch.from_numpy(MEAN)[None, :, None, None]) / torch.from_numpy(STD)[None, :, None, None]


MODES = ("fused", "lidar_only", "camera_only")


def fuse(fus, lidar_bev, cam_bev, mode):
    """The fuser in one mode; a missing modality is all zeros, as the node feeds it."""
    if mode == "camera_only":
        lidar_bev = torch.zeros_like(lidar_bev)
    elif mode == "lidar_only":
        cam_bev = torch.zeros_like(cam_bev)
    return fus(lidar_bev, cam_bev)


def forward(enc, fus, data, i, cam_dropout=0.0, rng=None, mode="fused"):
    dl, feat = encode(enc, data, i)
    if cam_dropout > 0 and rng is not None:
        # Mask whole cameras sometimes, as the node does for a late camera.
        m = torch.from_numpy((rng.random(feat.shape[0]) >= cam_dropout).astype(np.float32))[:, None, None, None]
        feat = feat * m
    cam_bev = lift(data.cells, dl, feat)
    out = fuse(fus, torch.from_numpy(data.lidar[i][None]), cam_bev, mode)
    return dl, out


def losses(dl, out, data, i, occ_iou=0.0):
    hm, reg, mask = (torch.from_numpy(a) for a in data.targets[i])
    l_hm = focal(out["heatmap"][0], hm)
    m = mask[None] > 0
    n = max(1.0, float(mask.sum()))
    pred = torch.cat([out["reg"][0], out["height"][0], out["dim"][0], out["rot"][0], out["vel"][0]], 0)
    w = torch.tensor([1, 1, 1, 1, 1, 1, 1, 1, 0.2, 0.2])[:, None, None]
    l_reg = (F.l1_loss(pred, reg, reduction="none") * w * m).sum() / n
    occ = torch.from_numpy(data.occ[i])[None, None]
    l_occ = F.binary_cross_entropy_with_logits(out["occupancy"], occ, pos_weight=torch.tensor(2.0))
    if occ_iou > 0:
        # Soft Jaccard loss (Rahman and Wang 2016): the IoU the grid is
        # scored by, on the probabilities; cross-entropy weighs every cell
        # alike, the IoU only the occupied ones and the false alarms.
        p = torch.sigmoid(out["occupancy"])
        inter = (p * occ).sum()
        l_occ = l_occ + occ_iou * (1 - inter / (p.sum() + occ.sum() - inter + 1))
    dt = torch.from_numpy(data.depth[i])
    l_depth = F.cross_entropy(dl, dt, ignore_index=-1) if (dt >= 0).any() else dl.sum() * 0
    return l_hm, l_reg, l_occ, l_depth


def decode(out, classes, thr=0.1, topk=100):
    """Peaks of the heatmap as (x, y, class, score): the Go decoder's rule."""
    hm = torch.sigmoid(out["heatmap"][0])
    keep = (F.max_pool2d(hm[None], 3, 1, 1)[0] == hm) & (hm >= thr)
    k, iy, ix = torch.nonzero(keep, as_tuple=True)
    s = hm[k, iy, ix]
    order = torch.argsort(s, descending=True)[:topk]
    cell = RES * STRIDE
    reg = out["reg"][0]
    res = []
    for o in order.tolist():
        y, x = int(iy[o]), int(ix[o])
        res.append(((x + float(reg[0, y, x])) * cell + XMIN, (y + float(reg[1, y, x])) * cell + XMIN, int(k[o]), float(s[o])))
    return res


def ap_centre(dets, gts, dist=2.0):
    """AP at one centre-distance threshold (nuScenes' matching, 101-point)."""
    dets = sorted(dets, key=lambda d: -d[2])
    npos = sum(len(g) for g in gts.values())
    if npos == 0:
        return float("nan")
    used = {k: np.zeros(len(g), bool) for k, g in gts.items()}
    tp = []
    for f, x, y, s in [(d[0], d[1][0], d[1][1], d[2]) for d in dets]:
        g = gts.get(f, np.zeros((0, 2)))
        best, bi = dist, -1
        for j, (gx, gy) in enumerate(g):
            dd = math.hypot(gx - x, gy - y)
            if dd < best and not used[f][j]:
                best, bi = dd, j
        if bi >= 0:
            used[f][bi] = True
        tp.append(bi >= 0)
    tp = np.array(tp, np.float64)
    ctp = np.cumsum(tp)
    prec = ctp / np.arange(1, len(tp) + 1)
    rec = ctp / npos
    ap = 0.0
    for r in np.linspace(0, 1, 101):
        p = prec[rec >= r]
        ap += (p.max() if len(p) else 0) / 101
    return ap


def evaluate(enc, fus, data, scored):
    """Per mode (MODES), AP@2m of each scored class and occupancy IoU over
    the set. scored: {metric name: (class index, range m)}. The encoder and
    lift run once a sample; the fuser once per mode."""
    enc.eval()
    fus.eval()
    acc = {m: {"inter": 0, "union": 0, "dets": {k: [] for k in scored}} for m in MODES}
    gts = {k: {} for k in scored}
    with torch.no_grad():
        for i in range(len(data)):
            dl, feat = encode(enc, data, i)
            cam_bev = lift(data.cells, dl, feat)
            lidar_bev = torch.from_numpy(data.lidar[i][None])
            go = data.occ[i] > 0
            b = data.boxes[i]
            for name, (cls, rng) in scored.items():
                sel = (b[:, 9] == cls) & (np.hypot(b[:, 0], b[:, 1]) <= rng)
                gts[name][i] = b[sel][:, :2]
            for mode in MODES:
                out = fuse(fus, lidar_bev, cam_bev, mode)
                a = acc[mode]
                po = torch.sigmoid(out["occupancy"][0, 0]).numpy() >= 0.5
                a["inter"] += int((po & go).sum())
                a["union"] += int((po | go).sum())
                dets = decode(out, data.classes)
                for name, (cls, rng) in scored.items():
                    a["dets"][name] += [(i, (x, y), s) for x, y, k, s in dets if k == cls and math.hypot(x, y) <= rng]
    enc.train()
    fus.train()
    res = {}
    for mode in MODES:
        a = acc[mode]
        r = {name: float(ap_centre(a["dets"][name], gts[name])) for name in scored}
        r["occupancy_iou"] = a["inter"] / max(a["union"], 1)
        res[mode] = r
    return res


def scored_classes(meta):
    """The classes evaluate() scores, with the node's class ranges (car 50 m, person 40 m)."""
    names = list(meta["box_classes"])
    return {"car_ap_2m": (names.index("car"), 50.0), "person_ap_2m": (names.index("person"), 40.0)}


def rounded(v):
    # NaN (no ground truth of the class) is written as null.
    return None if v != v else round(float(v), 4)


def state_from_onnx(camera_path, enc, fus, data):
    """Starts enc and fus from a shipped pair (<out>-camera.onnx beside its
    <out>-fuser.onnx), for fine-tuning when the training state did not
    survive: common.state_from_onnx, then the encoder's batch norms
    recalibrated on the first training samples."""
    fuser_path = camera_path[:-len("-camera.onnx")] + "-fuser.onnx"
    if not camera_path.endswith("-camera.onnx") or not os.path.exists(fuser_path):
        raise SystemExit(f"--init-from {camera_path}: want <out>-camera.onnx beside its <out>-fuser.onnx")
    common.state_from_onnx(fus, fuser_path, (torch.zeros(1, 5, G, G), torch.zeros(1, fus.stem[0].in_channels - 5, G, G)), prefix="f.")
    bns = common.state_from_onnx(enc, camera_path, encoder_inputs(enc, data, 0))
    common.recalibrate_bn(enc, bns, (encoder_inputs(enc, data, i) for i in range(min(40, len(data)))))


def log_eval(tag, res):
    for mode in MODES:
        r = res[mode]
        common.log(f"bev: {tag} {mode:<11} car AP@2m {r['car_ap_2m']:.3f}, person AP@2m {r['person_ap_2m']:.3f}, "
                   f"occupancy IoU {r['occupancy_iou']:.3f}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--train", nargs="+")
    ap.add_argument("--val")
    ap.add_argument("--out", required=True, help="output prefix: <out>-camera.onnx, <out>-fuser.onnx, cards and <out>-state.pt")
    ap.add_argument("--eval", nargs="+", metavar="DIR",
                    help="no training: reload <out>-state.pt and evaluate every mode on each DIR")
    ap.add_argument("--camera-only-p", type=float, default=0.0,
                    help="probability a training sample's lidar_bev is all zeros (camera-only, as the node feeds it without lidar)")
    ap.add_argument("--lidar-only-p", type=float, default=0.0,
                    help="probability a training sample's camera_bev is all zeros (lidar-only)")
    ap.add_argument("--fuser-norm", choices=["batch", "instance"], default="batch",
                    help="the fuser's normalisation; instance suits modality dropout (see conv_bn)")
    ap.add_argument("--camera-aware", action="store_true",
                    help="BEVDepth's camera-aware depth: the encoder also takes mlp_input [N,27] (card camera_geometry.mlp_input)")
    ap.add_argument("--init-from", metavar="STATE", help="start from a <out>-state.pt (a camera-aware encoder takes the plain one's weights, its gate starting open), "
                    "or from a shipped <out>-camera.onnx and its <out>-fuser.onnx when the state is gone (state_from_onnx)")
    ap.add_argument("--occ-iou", type=float, default=0.0, help="weight of a soft-IoU loss added to the occupancy's cross-entropy")
    ap.add_argument("--epochs", type=int, default=6)
    ap.add_argument("--channels", type=int, default=32)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--max-minutes", type=float, default=0, help="stop after this much training (0: no limit)")
    ap.add_argument("--command", default="")
    a = ap.parse_args()
    common.seed_everything(a.seed)
    threads = common.threads()
    if a.eval:
        return eval_only(a)
    if not a.train or not a.val:
        ap.error("--train and --val are required unless --eval")
    if a.camera_only_p < 0 or a.lidar_only_p < 0 or a.camera_only_p + a.lidar_only_p > 1:
        ap.error("--camera-only-p and --lidar-only-p must be >= 0 and sum to at most 1")
    meta = yaml.safe_load(open(os.path.join(a.train[0], "meta.yaml")))
    scored = scored_classes(meta)
    t0 = time.time()
    train = Data(a.train, meta)
    val = Data([a.val], meta)
    common.log(f"bev: {len(train)} training samples, {len(val)} validation, {train.bins} depth bins, "
               f"features {train.fh}x{train.fw}, classes {meta['box_classes']} (loaded in {time.time() - t0:.0f} s)")
    enc = CameraEncoder(train.bins, a.channels, camera_aware=a.camera_aware)
    fus = Fuser(a.channels, train.classes, norm=a.fuser_norm)
    if a.init_from and a.init_from.endswith(".onnx"):
        state_from_onnx(a.init_from, enc, fus, train)
        common.log(f"bev: started from {a.init_from} and its fuser (weights read back from ONNX)")
    elif a.init_from:
        st = torch.load(a.init_from, map_location="cpu")
        missing, unexpected = enc.load_state_dict(st["camera"], strict=False)
        if unexpected or any(not k.startswith("gate.") for k in missing):
            ap.error(f"--init-from {a.init_from}: camera weights do not fit (missing {missing}, unexpected {unexpected})")
        fus.load_state_dict(st["fuser"])
        common.log(f"bev: started from {a.init_from} (epoch {st['epoch']})")
    dropout = a.camera_only_p > 0 or a.lidar_only_p > 0
    params = list(enc.parameters()) + list(fus.parameters())
    opt = torch.optim.AdamW(params, lr=a.lr, weight_decay=1e-4)
    total = a.epochs * len(train)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=a.lr, total_steps=total, pct_start=0.1)
    rng = np.random.default_rng(a.seed)
    best = -1.0
    t0 = time.time()
    history, history_modes = [], []
    for ep in range(a.epochs):
        sums = np.zeros(4)
        for step, i in enumerate(rng.permutation(len(train))):
            mode = "fused"
            if dropout:  # no draw without dropout: the old command's random stream is unchanged
                u = rng.random()
                mode = "camera_only" if u < a.camera_only_p else "lidar_only" if u < a.camera_only_p + a.lidar_only_p else "fused"
            dl, out = forward(enc, fus, train, i, cam_dropout=0.1, rng=rng, mode=mode)
            parts = losses(dl, out, train, i, a.occ_iou)
            loss = parts[0] + 2 * parts[1] + 2 * parts[2] + 0.5 * parts[3]
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            sums += [float(p) for p in parts]
            if (step + 1) % 50 == 0:
                common.log(f"bev: epoch {ep + 1} step {step + 1}/{len(train)} heatmap {sums[0] / (step + 1):.3f} reg {sums[1] / (step + 1):.3f} "
                           f"occupancy {sums[2] / (step + 1):.3f} depth {sums[3] / (step + 1):.3f} ({time.time() - t0:.0f} s)")
            if a.max_minutes and time.time() - t0 > 60 * a.max_minutes:
                break
        res = evaluate(enc, fus, val, scored)
        car_ap, occ_iou = res["fused"]["car_ap_2m"], res["fused"]["occupancy_iou"]
        history.append([round(car_ap, 4), round(occ_iou, 4)])
        history_modes.append({m: [rounded(res[m][k]) for k in ("car_ap_2m", "person_ap_2m", "occupancy_iou")] for m in MODES})
        common.log(f"bev: epoch {ep + 1}/{a.epochs} validation car AP@2m {car_ap:.3f}, occupancy IoU {occ_iou:.3f} ({time.time() - t0:.0f} s)")
        log_eval(f"epoch {ep + 1} validation", res)
        score = car_ap + occ_iou
        if a.camera_only_p >= 1:  # a camera-only model is judged without lidar alone
            score = res["camera_only"]["car_ap_2m"] + res["camera_only"]["occupancy_iou"]
        elif a.camera_only_p == 0 and a.lidar_only_p > 0:  # fused and lidar-only: good in both
            score += res["lidar_only"]["car_ap_2m"] + res["lidar_only"]["occupancy_iou"]
        elif dropout:  # a checkpoint must be good without lidar too
            score += res["camera_only"]["car_ap_2m"] + res["camera_only"]["occupancy_iou"]
        if score > best:
            best = score
            write_models(a, enc, fus, train, meta, res, ep + 1, history, history_modes, time.time() - t0, threads)
        if a.max_minutes and time.time() - t0 > 60 * a.max_minutes:
            common.log("bev: time limit reached")
            break


def eval_only(a):
    """Reload <out>-state.pt (written beside the ONNX files) and score every
    mode on each --eval set with the same evaluate() as training."""
    st = torch.load(a.out + "-state.pt", map_location="cpu")
    meta = yaml.safe_load(open(os.path.join(a.eval[0], "meta.yaml")))
    enc = CameraEncoder(st["depth_bins"], st["channels"], camera_aware=st.get("camera_aware", False))
    fus = Fuser(st["channels"], len(meta["box_classes"]), norm=st["fuser_norm"])
    enc.load_state_dict(st["camera"])
    fus.load_state_dict(st["fuser"])
    common.log(f"bev: {a.out}-state.pt from epoch {st['epoch']}")
    results = {}
    for d in a.eval:
        data = Data([d], meta)
        res = evaluate(enc, fus, data, scored_classes(meta))
        log_eval(f"{os.path.basename(d)} ({len(data)} samples)", res)
        results[os.path.basename(d)] = {m: {k: rounded(v) for k, v in r.items()} for m, r in res.items()}
    with open(a.out + "-eval.yaml", "w") as f:
        yaml.safe_dump({"state": a.out + "-state.pt", "epoch": st["epoch"], "results": results}, f, sort_keys=False)


def write_models(a, enc, fus, data, meta, res, epochs, history, history_modes, seconds, threads):
    val_mode = "camera_only" if a.camera_only_p >= 1 else "fused"  # the mode the model is for
    car_ap, occ_iou = res[val_mode]["car_ap_2m"], res[val_mode]["occupancy_iou"]
    ncam = len(meta["cameras"])
    H, W = meta["image"]["height"], meta["image"]["width"]
    fr = meta["frustum"]
    cam_path, fus_path = a.out + "-camera.onnx", a.out + "-fuser.onnx"
    # The camera count is dynamic (convolutions only): one file for rigs of 1-8.
    if a.camera_aware:
        common.export(enc, (torch.zeros(ncam, 3, H, W), torch.from_numpy(data.mlp[0])), ["img", "mlp_input"], ["depth", "feature"], cam_path,
                      dynamic_axes={"img": {0: "N"}, "mlp_input": {0: "N"}, "depth": {0: "N"}, "feature": {0: "N"}})
    else:
        common.export(enc, torch.zeros(ncam, 3, H, W), ["img"], ["depth", "feature"], cam_path,
                      dynamic_axes={"img": {0: "N"}, "depth": {0: "N"}, "feature": {0: "N"}})
    common.export(FuserExport(fus), (torch.zeros(1, 5, G, G), torch.zeros(1, a.channels, G, G)), ["lidar_bev", "camera_bev"], HEADS, fus_path)
    enc.train()
    fus.train()
    # The weights too, for --eval without ONNX Runtime.
    torch.save({"camera": enc.state_dict(), "fuser": fus.state_dict(), "channels": a.channels, "depth_bins": data.bins,
                "fuser_norm": a.fuser_norm, "camera_aware": a.camera_aware, "epoch": epochs}, a.out + "-state.pt")
    prov = {"training_data": "gopercept simulate --dataset bev, seeds " + ",".join(os.path.basename(d) for d in a.train)
            + "; validation " + os.path.basename(a.val), "seed": a.seed, "command": a.command, "license": "Apache-2.0", "source": "tools/train/bev.py"}
    metrics = {"val_car_ap_2m": round(car_ap, 4), "val_occupancy_iou": round(occ_iou, 4), "val_mode": val_mode, "epochs": epochs, "history_car_ap_occ_iou": history,
               "train_seconds": round(seconds), "train_threads": threads,
               "history_modes": history_modes,
               "history_modes_definition": "per epoch and mode: [car AP@2m, person AP@2m, occupancy IoU] on the validation seed",
               "modality_dropout": {"camera_only_p": a.camera_only_p, "lidar_only_p": a.lidar_only_p, "fuser_norm": a.fuser_norm},
               **({"occupancy_iou_loss_weight": a.occ_iou} if a.occ_iou > 0 else {}),
               "metric_definition": "Python, on the validation seed's samples: car AP by centre distance 2 m (101-point) within 50 m, "
                                    "heatmap peaks ≥ 0.1 after 3×3 max-pool; person AP likewise within 40 m; occupancy IoU of sigmoid ≥ 0.5 "
                                    "against the simulator's grid; modes: fused, lidar_only (camera_bev all zeros), "
                                    "camera_only (lidar_bev all zeros)"}
    for m in MODES:
        for k, v in res[m].items():
            metrics[f"val_{m}_{k}"] = rounded(v)
    classes = [{"id": i, "name": n} for i, n in enumerate(meta["box_classes"])]
    f = data.fh
    cam_example = (torch.zeros(ncam, 3, H, W),) + ((torch.from_numpy(data.mlp[0]),) if a.camera_aware else ())
    cam_card = {
        "name": os.path.basename(a.out) + "-camera", "version": "1", "task": "bev camera encoder", "family": "bev-camera",
        "description": "Small stride-16 camera encoder in CUDA-BEVFusion's camtrans split: depth logits over 118 bins "
                       "(1–60 m by 0.5 m) and context features per feature cell; the node lifts them with bev/lss.",
        "inputs": [{"name": "img", "shape": [-1, 3, H, W], "type": "float32", "layout": "NCHW"}],
        "outputs": [{"name": "depth", "shape": [-1, data.bins, f, data.fw], "type": "float32", "layout": "NCHW"},
                    {"name": "feature", "shape": [-1, a.channels, f, data.fw], "type": "float32", "layout": "NCHW"}],
        "normalisation": {"mean": [float(v) for v in MEAN], "std": [float(v) for v in STD], "scale": 1.0, "colour_order": "rgb"},
        "parameters": {"depth_min": fr["depth_min"], "depth_max": fr["depth_max"], "depth_step": fr["depth_step"], "depth_logits": 1,
                       # simulate --dataset bev builds its frustum cells at pixel centres (bev/lss)
                       "frustum": "pixel_centers"},
        "provenance": prov,
        "metrics": dict(metrics, params=common.count_params(enc), flops=2 * common.macs(enc, *cam_example),
                        size_bytes=os.path.getsize(cam_path), onnx_sha256=common.sha256(cam_path)),
    }
    fus_card = {
        "name": os.path.basename(a.out) + "-fuser", "version": "1", "task": "bev detection and occupancy", "family": "bev-fuser",
        "description": "Small BEV U-Net fusing lidar pillars and the lifted camera features; CenterPoint heads on 128×128 cells "
                       "(0.8 m) and an occupancy map over the 256×256 grid (logits).",
        "inputs": [{"name": "lidar_bev", "shape": [1, 5, G, G], "type": "float32", "layout": "NCHW"},
                   {"name": "camera_bev", "shape": [1, a.channels, G, G], "type": "float32", "layout": "NCHW"}],
        "outputs": [{"name": n, "shape": [1, c, HG, HG], "type": "float32", "layout": "NCHW"}
                    for n, c in [("heatmap", data.classes), ("reg", 2), ("height", 1), ("dim", 3), ("rot", 2), ("vel", 2)]]
                   + [{"name": "occupancy", "shape": [1, 1, G, G], "type": "float32", "layout": "NCHW"}],
        "classes": classes,
        "parameters": {"heatmap_logits": 1, "occupancy_logits": 1, "bev_layout": "yx"},
        "provenance": prov,
        "metrics": dict(metrics, params=common.count_params(fus), flops=2 * common.macs(fus, torch.zeros(1, 5, G, G), torch.zeros(1, a.channels, G, G)),
                        size_bytes=os.path.getsize(fus_path), onnx_sha256=common.sha256(fus_path)),
    }
    # The modes the training drew its samples from; the node warns when it
    # runs the fuser in another.
    fus_card["parameters"]["modes"] = [m for m, p in (("fused", 1 - a.camera_only_p - a.lidar_only_p), ("lidar_only", a.lidar_only_p),
                                                      ("camera_only", a.camera_only_p)) if p > 1e-9]
    if a.camera_only_p >= 1:
        fus_card["description"] += " Trained camera-only (lidar_bev all zeros), LSS/BEVDet-style: for rigs without lidar."
    if a.camera_aware:
        cam_card["description"] += (" Camera-aware depth (BEVDepth): the depth head reads the features gated by an MLP of each "
                                    "camera's 27-value mlp_input (intrinsics, image and BEV augmentation, extrinsics).")
        cam_card["inputs"].append({"name": "mlp_input", "shape": [-1, len(camaware.MLP_LAYOUT)], "type": "float32"})
        cam_card["camera_geometry"] = {"images": "img", "mlp_input": "mlp_input"}
    common.write_card(a.out + "-camera.card.yaml", cam_card)
    common.write_card(a.out + "-fuser.card.yaml", fus_card)
    common.log(f"bev: wrote {cam_path} and {fus_path} after epoch {epochs}: car AP {car_ap:.3f}, occupancy IoU {occ_iou:.3f}")


if __name__ == "__main__":
    main()
