"""Train gopercept's 2D→3D pose lifter, the "simple yet effective baseline"
of Martinez et al. 2017 (a fully connected network with residual blocks,
batch norm and dropout), in the lift-mlp contract: input `input` [N,54],
output `joints` [N,17,3].

    /usr/bin/python3 tools/train/lift.py --train DIR [DIR...] --val DIR --out models/pose-lift-small

DIR is written by `gopercept simulate --dataset lift`: norm2d.npy [N,17,2]
undistorted normalised image coordinates (X/Z, Y/Z), kp2d.npy [N,17,3]
(pixels and COCO visibility), kp3d.npy [N,17,3] joints in the camera's
optical frame (metres), camera.npy [N,10] (fx, fy, cx, cy, width, height,
camera height above the ground, the ground's up axis in the optical frame),
track.npy [N,4] (camera, frame, instance, class).

Input normalisation (the node does the same; the card states it): with m_j
= 1 for a keypoint used (inside the image and scored at least the keypoint
threshold) and 0 otherwise, the root r is the hip midpoint and s the RMS
distance of the used keypoints from r, all in normalised coordinates; the
input is [((x_j, y_j) - r) / s * m_j for 17 joints (34), m_j (17), r (2),
s (1)]. The output is the joints relative to the hip midpoint in the optical
frame's axes, divided by the skeleton scale B = mean over both sides of
(hip-knee + knee-ankle) + |hip midpoint - shoulder midpoint|, a posture-free
length (0.779 of standing height by Drillis and Contini's segment
proportions, which the simulator's bodies follow).

Training: mean per-joint Euclidean error on B-normalised joints, AdamW,
one-cycle schedule; augmentation mirrors left/right (x -> -x), adds 2D noise
(sigma up to 0.12 s per sample), and drops keypoints (occluded ones with
probability 0.5, others 0.08; never the hips) so that the network sees what
a 2D pose network gives. Validation reports root-aligned MPJPE in mm with
the true scale, with the person-height prior and with the ground-plane
scale, and PA-MPJPE."""
import argparse
import copy
import os
import time

import numpy as np
import torch
import torch.nn as nn
import yaml

import common

K = 17
LH, RH, LS, RS, LK, RK, LA, RA = 11, 12, 5, 6, 13, 14, 15, 16
FLIP = [0, 2, 1, 4, 3, 6, 5, 8, 7, 10, 9, 12, 11, 14, 13, 16, 15]
KEYPOINTS = ["nose", "left_eye", "right_eye", "left_ear", "right_ear", "left_shoulder", "right_shoulder",
             "left_elbow", "right_elbow", "left_wrist", "right_wrist", "left_hip", "right_hip",
             "left_knee", "right_knee", "left_ankle", "right_ankle"]
IN = 3 * K + 3
# Drillis & Contini: hip (greater trochanter) 0.530 H, knee 0.285 H, ankle
# 0.039 H, shoulder 0.818 H, so B = 0.245 + 0.246 + 0.288 = 0.779 H.
SCALE_PER_HEIGHT = 0.779
PRIOR_HEIGHT = 1.70


def skeleton_scale(p):
    """B of joints p [..., 17, 3]."""
    n = lambda a, b: np.linalg.norm(p[..., a, :] - p[..., b, :], axis=-1)
    legs = 0.5 * (n(LH, LK) + n(LK, LA) + n(RH, RK) + n(RK, RA))
    torso = np.linalg.norm(0.5 * (p[..., LS, :] + p[..., RS, :]) - 0.5 * (p[..., LH, :] + p[..., RH, :]), axis=-1)
    return legs + torso


def features(xy, m):
    """Network input [N,54] from normalised coordinates xy [N,17,2] and the
    use mask m [N,17] (hips must be used)."""
    r = 0.5 * (xy[:, LH] + xy[:, RH])
    d = (xy - r[:, None]) * m[..., None]
    s = np.sqrt((d ** 2).sum((1, 2)) / np.maximum(m.sum(1), 1))
    s = np.maximum(s, 1e-4)
    f = np.concatenate([(d / s[:, None, None]).reshape(len(xy), -1), m, r, s[:, None]], 1)
    return f.astype(np.float32)


def targets(p3):
    root = 0.5 * (p3[:, LH] + p3[:, RH])
    rel = p3 - root[:, None]
    return (rel / skeleton_scale(p3)[:, None, None]).astype(np.float32)


# The fully connected layers are 1x1 convolutions on [N, C, 1, 1]: Debian's
# PyTorch has only a generic BLAS for nn.Linear, while its oneDNN
# convolutions run about six times faster on the CPU; the function computed
# is the same.
def fc(cin, cout):
    return nn.Conv2d(cin, cout, 1)


def fc_bn_relu(cin, cout, p):
    return [fc(cin, cout), nn.BatchNorm2d(cout), nn.ReLU(inplace=True), nn.Dropout(p)]


class Block(nn.Module):
    def __init__(self, w, p):
        super().__init__()
        self.f = nn.Sequential(*fc_bn_relu(w, w, p), *fc_bn_relu(w, w, p))

    def forward(self, x):
        return x + self.f(x)


class LiftMLP(nn.Module):
    """Martinez et al.'s baseline: Linear, BN, ReLU, dropout to width w,
    `blocks` residual blocks of two such layers, a linear output."""

    def __init__(self, w=512, blocks=2, p=0.2, window=1):
        super().__init__()
        self.n_in = IN * window
        self.inp = nn.Sequential(*fc_bn_relu(self.n_in, w, p))
        self.blocks = nn.Sequential(*[Block(w, p) for _ in range(blocks)])
        self.out = fc(w, 3 * K)

    def forward(self, x):
        return self.out(self.blocks(self.inp(x.view(-1, self.n_in, 1, 1)))).view(-1, K, 3)


def load(dirs):
    cols = {n: [] for n in ("norm2d", "kp2d", "kp3d", "camera", "track")}
    for d in dirs:
        for n in cols:
            cols[n].append(common.load(os.path.join(d, n + ".npy"), mmap=False))
    return {n: np.concatenate(v) for n, v in cols.items()}


def augment(xy, vis, p3, rng):
    n = len(xy)
    xy, p3 = xy.copy(), p3.copy()
    flip = rng.random(n) < 0.5
    xy[flip, :, 0] *= -1
    p3[flip, :, 0] *= -1
    xy[flip] = xy[flip][:, FLIP]
    p3[flip] = p3[flip][:, FLIP]
    vis = vis.copy()
    vis[flip] = vis[flip][:, FLIP]
    m = (vis > 0).astype(np.float32)
    drop = np.where(vis == 1, rng.random(vis.shape) < 0.5, rng.random(vis.shape) < 0.08)
    drop[:, [LH, RH]] = False
    m[drop] = 0
    # Noise relative to the 2D size, as a pose network's error scales.
    r = 0.5 * (xy[:, LH] + xy[:, RH])
    s = np.sqrt((((xy - r[:, None]) ** 2).sum(-1) * m).sum(1) / np.maximum(m.sum(1), 1))
    sig = s * rng.uniform(0, 0.12, n)
    xy = xy + rng.standard_normal(xy.shape) * sig[:, None, None]
    return features(xy, m), targets(p3)


def window_index(track, W):
    """[N, W] rows of each row's window, oldest first, the row itself last:
    the previous rows of the same person (camera and instance) at
    consecutive frames; where the track is shorter the oldest available row
    repeats (edge padding, as the node pads a young track)."""
    n = len(track)
    prev = np.full(n, -1)
    last = {}
    for i in range(n):
        k = (int(track[i, 0]), int(track[i, 2]))
        j = last.get(k)
        if j is not None and track[i, 1] - track[j, 1] == 1:
            prev[i] = j
        last[k] = i
    idx = np.empty((n, W), np.int64)
    cur = np.arange(n)
    idx[:, W - 1] = cur
    for w in range(W - 2, -1, -1):
        p = prev[cur]
        cur = np.where(p >= 0, p, cur)
        idx[:, w] = cur
    return idx


def augment_window(tr, idx, rng):
    """augment over windows idx [B, W]: one flip and one noise level per
    window, noise and dropped keypoints drawn per frame; 30% of the windows
    cut to a random shorter history (a young track), edge-padded."""
    B, W = idx.shape
    idx = idx.copy()
    L = rng.integers(1, W + 1, B)
    for b in np.nonzero(rng.random(B) < 0.3)[0]:
        idx[b, :W - L[b]] = idx[b, W - L[b]]
    flat = idx.reshape(-1)
    xy, vis = tr["norm2d"][flat].copy(), tr["kp2d"][flat][..., 2].copy()
    p3 = tr["kp3d"][idx[:, -1]].astype(np.float64)
    flip1 = rng.random(B) < 0.5
    flip = np.repeat(flip1, W)
    xy[flip, :, 0] *= -1
    xy[flip] = xy[flip][:, FLIP]
    vis[flip] = vis[flip][:, FLIP]
    p3[flip1, :, 0] *= -1
    p3[flip1] = p3[flip1][:, FLIP]
    m = (vis > 0).astype(np.float32)
    drop = np.where(vis == 1, rng.random(vis.shape) < 0.5, rng.random(vis.shape) < 0.08)
    drop[:, [LH, RH]] = False
    m[drop] = 0
    r = 0.5 * (xy[:, LH] + xy[:, RH])
    s = np.sqrt((((xy - r[:, None]) ** 2).sum(-1) * m).sum(1) / np.maximum(m.sum(1), 1))
    sig = s * np.repeat(rng.uniform(0, 0.12, B), W)
    xy = xy + rng.standard_normal(xy.shape) * sig[:, None, None]
    return features(xy, m).reshape(B, W * IN), targets(p3)


def place(rel, xy, m):
    """Root translation T (batch, metric) by linear least squares so that
    T + rel projects onto xy over the used joints: for each joint,
    T_x - x T_z = x rel_z - rel_x and T_y - y T_z = y rel_z - rel_y
    (normal equations, batched)."""
    x, y, w = xy[..., 0].astype(np.float64), xy[..., 1].astype(np.float64), m.astype(np.float64)
    b1, b2 = x * rel[..., 2] - rel[..., 0], y * rel[..., 2] - rel[..., 1]
    n = w.sum(1)
    sx, sy, sxx = (w * x).sum(1), (w * y).sum(1), (w * (x * x + y * y)).sum(1)
    AtA = np.stack([np.stack([n, 0 * n, -sx], -1), np.stack([0 * n, n, -sy], -1), np.stack([-sx, -sy, sxx], -1)], 1)
    Atb = np.stack([(w * b1).sum(1), (w * b2).sum(1), -(w * (x * b1 + y * b2)).sum(1)], -1)
    return np.linalg.solve(AtA, Atb[..., None])[..., 0]


def procrustes_errors(pred, gt):
    """Per-joint errors [N,17] after the similarity transform (scale,
    rotation, translation) that best maps pred onto gt, per person
    (Umeyama 1991), batched."""
    P, G = pred - pred.mean(1, keepdims=True), gt - gt.mean(1, keepdims=True)
    U, S, Vt = np.linalg.svd(np.einsum("nki,nkj->nij", P, G))
    d = np.sign(np.linalg.det(U @ Vt))
    D = np.ones((len(P), 3))
    D[:, 2] = d
    R = U @ (D[:, :, None] * Vt)
    sc = (S * D).sum(1) / (P ** 2).sum((1, 2))
    return np.linalg.norm(sc[:, None, None] * P @ R - G, axis=-1)


def predict(net, f, batch=4096):
    net.eval()
    out = []
    with torch.no_grad():
        for i in range(0, len(f), batch):
            out.append(net(torch.from_numpy(f[i:i + batch])).numpy())
    return np.concatenate(out)


def evaluate(net, v, ankle_k, noise=0.0, seed=0, window=1):
    """Validation on people only (cyclists' feet are not on the ground):
    root-aligned MPJPE (mm) with the true B, with the height prior and with
    the ground-plane scale; PA-MPJPE; absolute MPJPE with the ground plane."""
    rng = np.random.default_rng(seed)
    if window > 1:
        # Every row's features (noise drawn per frame), gathered into windows.
        vm = (v["kp2d"][..., 2] > 0).astype(np.float32)
        vxy = v["norm2d"]
        if noise:
            r = 0.5 * (vxy[:, LH] + vxy[:, RH])
            s = np.sqrt((((vxy - r[:, None]) ** 2).sum(-1) * vm).sum(1) / np.maximum(vm.sum(1), 1))
            vxy = vxy + rng.standard_normal(vxy.shape) * (noise * s)[:, None, None]
        fw = features(vxy, vm)[window_index(v["track"], window)].reshape(len(vxy), window * IN)
    keep = v["track"][:, 3] == 30
    xy, vis, p3, cam = v["norm2d"][keep], v["kp2d"][keep][..., 2], v["kp3d"][keep].astype(np.float64), v["camera"][keep]
    m = (vis > 0).astype(np.float32)
    if noise:
        r = 0.5 * (xy[:, LH] + xy[:, RH])
        s = np.sqrt((((xy - r[:, None]) ** 2).sum(-1) * m).sum(1) / np.maximum(m.sum(1), 1))
        xy = xy + rng.standard_normal(xy.shape) * (noise * s)[:, None, None]
    if window > 1:
        xy = vxy[keep]
        shape = predict(net, fw[keep]).astype(np.float64)
    else:
        shape = predict(net, features(xy, m)).astype(np.float64)
    gt_rel = p3 - 0.5 * (p3[:, LH] + p3[:, RH])[:, None]
    B = skeleton_scale(p3)
    true_scale = shape * B[:, None, None]
    B0 = PRIOR_HEIGHT * SCALE_PER_HEIGHT
    prior = shape * B0
    T = place(prior, xy, m)
    J0 = prior + T[:, None]
    # Feet on the ground: scale about the camera centre so the lower ankle
    # stands at ankle_k * B above the plane (see the node's ground mode).
    up, ch = cam[:, 7:10].astype(np.float64), cam[:, 6].astype(np.float64)
    za = (J0[:, [LA, RA]] * up[:, None]).sum(-1).min(1)
    alpha = -ch / (za - ankle_k * B0)
    ok = (za - ankle_k * B0 < 0) & (alpha > 0.5) & (alpha < 2)
    alpha = np.where(ok, alpha, 1.0)
    ground = prior * alpha[:, None, None]
    J = J0 * alpha[:, None, None]
    e = lambda a: float(np.linalg.norm(a - gt_rel, axis=-1).mean() * 1000)
    return {"mpjpe_true_scale_mm": e(true_scale), "mpjpe_prior_mm": e(prior), "mpjpe_ground_mm": e(ground),
            "pa_mpjpe_mm": float(procrustes_errors(prior, gt_rel).mean() * 1000),
            "abs_mpjpe_ground_mm": float(np.linalg.norm(J - p3, axis=-1).mean() * 1000),
            "ground_fallback": float(1 - ok.mean()), "people": int(keep.sum())}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--train", nargs="+", required=True)
    ap.add_argument("--val", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--epochs", type=int, default=12)
    ap.add_argument("--batch", type=int, default=512)
    ap.add_argument("--width", type=int, default=512)
    ap.add_argument("--blocks", type=int, default=2)
    ap.add_argument("--dropout", type=float, default=0.2)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--every", type=int, default=1, help="keep training frames whose index is a multiple of this")
    ap.add_argument("--window", type=int, default=1,
                    help="frames per input (temporal variant: this frame and the W-1 before it of the same person)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--command", default="")
    a = ap.parse_args()
    common.seed_everything(a.seed)
    nthreads = common.threads()
    tr, v = load(a.train), load([a.val])
    keep = tr["track"][:, 1] % a.every == 0  # neighbouring frames at 12 Hz are near copies
    W = a.window
    if W > 1:
        # Windows reach into the frames between the kept ones.
        widx = window_index(tr["track"], W)[keep]
    else:
        tr = {n: x[keep] for n, x in tr.items()}
    # The lower ankle's height above the ground per unit B, over standing
    # and walking people of the training set (median): the ground mode's
    # contact height.
    per = tr["track"][:, 3] == 30
    p3 = tr["kp3d"][per].astype(np.float64)
    hz = tr["camera"][per][:, 6:7] + (p3 * tr["camera"][per][:, None, 7:10]).sum(-1)
    ankle_k = float(np.median(hz[:, [LA, RA]].min(1) / skeleton_scale(p3)))
    common.log(f"lift: {len(tr['kp3d'])} training people, {len(v['kp3d'])} validation, ankle height {ankle_k:.4f} B, {nthreads} threads")
    net = LiftMLP(a.width, a.blocks, a.dropout, W)
    ema = copy.deepcopy(net)
    for q in ema.parameters():
        q.requires_grad_(False)
    opt = torch.optim.AdamW(net.parameters(), lr=a.lr, weight_decay=1e-4)
    ntrain = len(widx) if W > 1 else len(tr["kp3d"])
    spe = ntrain // a.batch
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=a.lr, total_steps=a.epochs * spe, pct_start=0.1)
    rng = np.random.default_rng(a.seed)
    t0, step, history = time.time(), 0, []
    for ep in range(a.epochs):
        net.train()
        order = rng.permutation(ntrain)
        total = 0.0
        for s in range(spe):
            idx = np.sort(order[s * a.batch:(s + 1) * a.batch])
            if W > 1:
                f, y = augment_window(tr, widx[idx], rng)
            else:
                f, y = augment(tr["norm2d"][idx], tr["kp2d"][idx][..., 2], tr["kp3d"][idx].astype(np.float64), rng)
            out = net(torch.from_numpy(f))
            loss = torch.linalg.norm(out - torch.from_numpy(y), dim=-1).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            step += 1
            d = min(0.999, (1 + step) / (10 + step))
            with torch.no_grad():
                for e, q in zip(ema.parameters(), net.parameters()):
                    e.mul_(d).add_(q.detach(), alpha=1 - d)
                for e, q in zip(ema.buffers(), net.buffers()):
                    e.copy_(q)
            total += loss.item()
        m = evaluate(ema, v, ankle_k, window=W)
        history.append(round(m["mpjpe_ground_mm"], 1))
        common.log(f"lift: epoch {ep + 1}/{a.epochs} loss {total / spe:.4f} val root-aligned MPJPE true scale "
                   f"{m['mpjpe_true_scale_mm']:.1f} mm, prior {m['mpjpe_prior_mm']:.1f}, ground {m['mpjpe_ground_mm']:.1f}, "
                   f"PA {m['pa_mpjpe_mm']:.1f} ({time.time() - t0:.0f} s)")
    train_s = time.time() - t0
    net = ema
    m = evaluate(net, v, ankle_k, window=W)
    mn = evaluate(net, v, ankle_k, noise=0.05, seed=2, window=W)
    onnx_path = a.out + ".onnx"
    common.export(net, torch.zeros(2, W * IN), ["input"], ["joints"], onnx_path,
                  dynamic_axes={"input": {0: "N"}, "joints": {0: "N"}})
    size = os.path.getsize(onnx_path)
    params = common.count_params(net)
    flops = 2 * sum(l.in_channels * l.out_channels for l in net.modules() if isinstance(l, nn.Conv2d))
    seeds = lambda ds: ",".join(str(yaml.safe_load(open(os.path.join(d, "meta.yaml")))["seed"]) for d in ds)
    card = {
        "name": os.path.basename(a.out), "version": "1", "task": "pose-lift", "family": "lift-mlp",
        "description": "2D→3D human pose lifter after Martinez et al. 2017 (A simple yet effective baseline for 3d human "
                       f"pose estimation): Linear-BN-ReLU-dropout to width {a.width}, {a.blocks} residual blocks, linear "
                       f"output; {'one frame' if W == 1 else f'a causal window of {W} frames of one track'} in, "
                       "root-relative COCO-17 joints out. Trained on CPU on gopercept simulate "
                       "ground truth (2D with noise and dropped keypoints, as a 2D pose network gives).",
        "inputs": [{"name": "input", "shape": [-1, W * IN], "type": "float32", "layout": "NC"}],
        "outputs": [{"name": "joints", "shape": [-1, K, 3], "type": "float32", "layout": "NKC"}],
        "classes": [{"id": i, "name": n} for i, n in enumerate(KEYPOINTS)],
        "parameters": {
            "num_keypoints": K, "window": W, "frame_rate_hz": 12,
            "input_layout": "undistorted normalised image coordinates (X/Z, Y/Z); r = hip midpoint, m_j = 1 for a used "
                            "keypoint (in the image, score >= keypoint threshold), s = RMS distance of the used keypoints "
                            "from r; one frame = [((x_j, y_j) - r) / s * m_j (34), m_j (17), r (2), s (1)]; both hips required"
                            + ("" if W == 1 else f"; input = {W} frames of the same track, oldest first, the current "
                                                 "last, at frame_rate_hz; a shorter history repeats its oldest frame"),
            "output_layout": "the current frame's joints minus the hip midpoint, camera optical frame axes, divided by "
                             "the skeleton scale B",
            "scale_definition": "B = mean over sides of (hip-knee + knee-ankle) + |hip midpoint - shoulder midpoint|",
            "scale_per_height": SCALE_PER_HEIGHT, "ankle_height_per_scale": round(ankle_k, 4),
        },
        "provenance": {"training_data": "gopercept simulate --dataset lift --duration 20 --crowd people, six cameras; "
                                        f"training seeds {seeds(a.train)} ({len(tr['kp3d'])} people-frames: 640x480 and "
                                        f"704x256); validation seed {seeds([a.val])} ({len(v['kp3d'])})",
                       "seed": a.seed, "command": a.command, "license": "Apache-2.0", "source": "tools/train/lift.py"},
        "metrics": {
            "val_mpjpe_true_scale_mm": round(m["mpjpe_true_scale_mm"], 1),
            "val_mpjpe_prior_mm": round(m["mpjpe_prior_mm"], 1),
            "val_mpjpe_ground_mm": round(m["mpjpe_ground_mm"], 1),
            "val_pa_mpjpe_mm": round(m["pa_mpjpe_mm"], 1),
            "val_abs_mpjpe_ground_mm": round(m["abs_mpjpe_ground_mm"], 1),
            "val_noisy_mpjpe_ground_mm": round(mn["mpjpe_ground_mm"], 1),
            "val_noisy_pa_mpjpe_mm": round(mn["pa_mpjpe_mm"], 1),
            "metric_definition": "Python, on the validation seed's ground-truth 2D (noisy: plus Gaussian noise of 0.05 s), "
                                 "people only, all 17 joints: root-aligned MPJPE (hip midpoint) with the true B, with the "
                                 f"person-height prior ({PRIOR_HEIGHT} m) and with the ground-plane scale (lower ankle at "
                                 "ankle_height_per_scale B above z = 0); PA-MPJPE after a similarity Procrustes (Umeyama)",
            "epochs": a.epochs, "steps": step, "batch": a.batch, "width": a.width, "blocks": a.blocks,
            "val_mpjpe_ground_per_epoch": history, "train_seconds": round(train_s), "train_threads": nthreads,
            "params": params, "flops": int(flops), "size_bytes": size, "onnx_sha256": common.sha256(onnx_path),
        },
    }
    common.write_card(a.out + ".card.yaml", card)
    common.log(f"lift: wrote {onnx_path} ({size / 1e6:.2f} MB), validation {m}, noisy {mn}, in {train_s:.0f} s")


if __name__ == "__main__":
    main()
