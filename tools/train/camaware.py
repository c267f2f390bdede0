"""BEVDepth's camera-aware depth for gopercept's small camera encoder (the
"depth-aware" BEV family of docs/BEV_MODELS.md): the depth head sees each
camera's intrinsics, image augmentation and extrinsics as BEVDepth's 27-value
mlp_input (DepthNet.forward's order, infer.MLPLayoutBEVDepth), normalised by a
BatchNorm1d inside the model and turned into a per-channel gate on the
features the depth logits are read from (BEVDepth's SE layer). The bevfusion
node builds the same 27 values per camera from CameraInfo, the card's image
augmentation and TF at the image stamp (nodes/bevfusion/query.go mlpInput)."""
import numpy as np
import torch
import torch.nn as nn

# BEVDepth's 27 values, in order (infer.MLPLayoutBEVDepth).
MLP_LAYOUT = ["fx", "fy", "cx", "cy", "ida00", "ida01", "ida03", "ida10", "ida11", "ida13",
              "bda00", "bda01", "bda10", "bda11", "bda22"] + [f"e{r}{c}" for r in range(3) for c in range(4)]


def mlp_input(intrinsics, extrinsics):
    """[C,27] float32 for cameras with K intrinsics [C,3,3] and base_link ←
    optical extrinsics [C,4,4], images fed at their own size (simulate
    --dataset bev renders at the encoder's input: the augmentation is the
    identity) and no BEV augmentation, as the node feeds at inference."""
    out = []
    for k, e in zip(intrinsics, extrinsics):
        ida = [1, 0, 0, 0, 1, 0]      # scale 1, no shear, no crop
        bda = [1, 0, 0, 1, 1]
        out.append([k[0, 0], k[1, 1], k[0, 2], k[1, 2]] + ida + bda + list(np.asarray(e, np.float64)[:3, :4].reshape(-1)))
    return np.asarray(out, np.float32)


class CameraGate(nn.Module):
    """mlp_input → per-channel gate in (0, 1) on the encoder's features,
    starting near 1 (weights 0, bias 3), so a model fine-tuned from a
    camera encoder without it starts where that one stopped."""

    def __init__(self, channels, hidden=64):
        super().__init__()
        self.bn = nn.BatchNorm1d(len(MLP_LAYOUT))
        self.fc1 = nn.Linear(len(MLP_LAYOUT), hidden)
        self.fc2 = nn.Linear(hidden, channels)
        nn.init.zeros_(self.fc2.weight)
        nn.init.constant_(self.fc2.bias, 3.0)

    def forward(self, x, mlp):
        g = torch.sigmoid(self.fc2(torch.relu(self.fc1(self.bn(mlp)))))
        return x * g[:, :, None, None]
