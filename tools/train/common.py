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
