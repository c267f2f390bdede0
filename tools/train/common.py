"""Shared helpers for gopercept's training scripts: seeding, .npy loading,
ONNX export at opset 17 and model-card writing."""
import hashlib
import json
import os
import random
import subprocess

import numpy as np
import torch
import yaml

OPSET = 17


def seed_everything(seed):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True, warn_only=True)


def threads():
    n = int(os.environ.get("TRAIN_THREADS", "2"))
    torch.set_num_threads(n)
    return n


def load(path, mmap=True):
    return np.load(path, mmap_mode="r" if mmap else None)


def export(model, example_inputs, input_names, output_names, path, dynamic_axes=None):
    model.eval()
    with torch.no_grad():
        torch.onnx.export(model, example_inputs, path, opset_version=OPSET,
                          input_names=input_names, output_names=output_names,
                          dynamic_axes=dynamic_axes, do_constant_folding=True)
    return path


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def count_params(model):
    return sum(p.numel() for p in model.parameters())


def write_card(path, card):
    with open(path, "w") as f:
        f.write("# Model card: the I/O contract the nodes check at load time, and how this model was made.\n")
        yaml.safe_dump(card, f, sort_keys=False, default_flow_style=None)


def log(msg):
    print(msg, flush=True)


def macs(net, *example):
    """Multiply-accumulates of one forward pass on example (convolutions
    only, which is nearly all of these networks' work)."""
    import torch.nn as nn
    total = 0

    def hook(mod, inp, out):
        nonlocal total
        total += out.numel() * (mod.in_channels // mod.groups) * mod.kernel_size[0] * mod.kernel_size[1]

    hs = [m.register_forward_hook(hook) for m in net.modules() if isinstance(m, nn.Conv2d)]
    was_training = net.training
    net.eval()
    with torch.no_grad():
        net(*example)
    for h in hs:
        h.remove()
    net.train(was_training)
    return total


def _conv_bn_pairs(model, example):
    """(conv, batch norm) pairs of model in forward order: a BatchNorm2d
    whose input is the output of the Conv2d run just before it. These are
    what torch.onnx.export folds into one convolution in eval mode."""
    import torch.nn as nn
    order = []
    hs = [m.register_forward_hook(lambda mod, i, o: order.append((mod, i[0], o)))
          for m in model.modules() if isinstance(m, (nn.Conv2d, nn.BatchNorm2d))]
    was_training = model.training
    model.eval()
    with torch.no_grad():
        model(*example)
    model.train(was_training)
    for h in hs:
        h.remove()
    pairs = []
    for (a, _, out), (b, inp, _) in zip(order, order[1:]):
        if isinstance(a, nn.Conv2d) and isinstance(b, nn.BatchNorm2d) and inp is out:
            pairs.append((a, b))
    return pairs


def state_from_onnx(model, path, example, prefix=None):
    """Loads into model the weights of its own export at path, for
    fine-tuning when the training state did not survive. Initializers named
    as the model's state (after prefix, which an export wrapper adds; None
    finds it) load as they are. The export folded each batch norm into the
    convolution before it; those convolutions come back, in graph order, as
    the folded weight and a batch norm that adds the folded bias and is
    otherwise the identity, so the model computes in eval mode what the
    file does. example: inputs for one forward pass, which pairs each
    convolution with its batch norm. Returns the batch norms, for
    recalibrate_bn."""
    import onnx
    from onnx import numpy_helper
    m = onnx.load(path)
    w = {i.name: torch.from_numpy(numpy_helper.to_array(i).copy()) for i in m.graph.initializer}
    keys = model.state_dict()
    if prefix is None:  # the wrapper's attribute name, if the export had one
        cands = {""} | {k[:k.index(".") + 1] for k in w if "." in k}
        prefix = max(sorted(cands), key=lambda p: sum(k.startswith(p) and k[len(p):] in keys for k in w))
    st = {k[len(prefix):]: v for k, v in w.items() if k.startswith(prefix) and k[len(prefix):] in keys}
    names = {mod: n for n, mod in model.named_modules()}
    pairs = _conv_bn_pairs(model, example)
    folded = [n for n in m.graph.node if n.op_type == "Conv" and not (n.input[1].startswith(prefix) and n.input[1][len(prefix):] in keys)]
    if len(folded) != len(pairs):
        raise SystemExit(f"{path}: {len(folded)} folded convolutions, the model has {len(pairs)} convolutions with batch norm")
    for node, (conv, bn) in zip(folded, pairs):
        cw, cb = w[node.input[1]], w[node.input[2]]
        if tuple(cw.shape) != tuple(conv.weight.shape):
            raise SystemExit(f"{path}: convolution {node.input[1]} is {tuple(cw.shape)}, {names[conv]} {tuple(conv.weight.shape)}")
        c, b = names[conv], names[bn]
        st[c + ".weight"] = cw
        st[b + ".weight"] = torch.ones_like(cb)
        st[b + ".bias"] = cb
        st[b + ".running_mean"] = torch.zeros_like(cb)
        st[b + ".running_var"] = torch.full_like(cb, 1 - bn.eps)
        st[b + ".num_batches_tracked"] = torch.tensor(0)
    missing, unexpected = model.load_state_dict(st, strict=False)
    if missing or unexpected:
        raise SystemExit(f"{path}: weights do not fit the model (missing {missing}, unexpected {unexpected})")
    return [bn for _, bn in pairs]


@torch.no_grad()
def recalibrate_bn(model, bns, batches):
    """Sets each batch norm's statistics to those of its input over
    batches (each a tuple of model inputs), keeping what it computes in
    eval mode (scale by the new std, shift by the new mean): in training
    mode a batch norm uses the batch's statistics, and with these the
    model starts where its export was."""
    acc = {bn: [0.0, 0.0, 0] for bn in bns}

    def hook(bn, inp, _):
        x = inp[0].double()
        a = acc[bn]
        a[0] = a[0] + x.sum((0, 2, 3))
        a[1] = a[1] + (x * x).sum((0, 2, 3))
        a[2] += x.shape[0] * x.shape[2] * x.shape[3]
    hs = [bn.register_forward_hook(hook) for bn in bns]
    was_training = model.training
    model.eval()
    for b in batches:
        model(*b)
    model.train(was_training)
    for h in hs:
        h.remove()
    for bn, (s, ss, n) in acc.items():
        # (x − μ)/σ·γ + β = (x − mean)/σ'·γ' + β' for every x.
        mean = s / n
        var = (ss / n - mean * mean).clamp(min=0)
        sigma = torch.sqrt(bn.running_var.double() + bn.eps)
        bn.bias.copy_((bn.bias.double() + (mean - bn.running_mean.double()) * bn.weight.double() / sigma).float())
        bn.weight.copy_((bn.weight.double() * torch.sqrt(var + bn.eps) / sigma).float())
        bn.running_mean.copy_(mean.float())
        bn.running_var.copy_(var.float())
