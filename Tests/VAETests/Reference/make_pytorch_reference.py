"""Writes pytorch_reference.json: one forward and backward of
benchmarks/pytorch_vae.py's model (784-400-20, BCE(sum) + KL) on a small fixed
case, for PyTorchReferenceTests.swift. PyTorch is needed only to regenerate it:
    python3 Tests/VAETests/Reference/make_pytorch_reference.py   # with torch and numpy

Everything is a closed-form function of indices, so the Swift test builds the
identical case without reading anything but this file's output:
  parameter i of tensor k (state_dict order): sin(0.37 i + 1.3 k) / sqrt(fan_in)
  input x[r, c] = 0.5 + 0.45 sin(0.11 c + 0.7 r), noise eps[r, j] = sin(1.7 j + 0.3 r)
each computed in float64 and rounded to float32.
"""
import json
import os
import sys

import numpy as np
import torch

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "..", "..", "benchmarks"))
from pytorch_vae import VAE, loss_function  # noqa: E402

ROWS = 4
# pytorch_vae.py's names, and vae-dist's (the README's nn.Sequential layout).
NAMES = {"fc1": "encoder.0", "fc21": "fc_mu", "fc22": "fc_logvar", "fc3": "decoder.0", "fc4": "decoder.2"}
SAMPLES = 16

model = VAE()
with torch.no_grad():
    for k, (name, tensor) in enumerate(model.state_dict().items()):
        layer = getattr(model, name.split(".")[0])
        i = np.arange(tensor.numel(), dtype=np.float64)
        values = np.sin(0.37 * i + 1.3 * k) / np.sqrt(layer.in_features)
        tensor.copy_(torch.from_numpy(values.astype(np.float32).reshape(tuple(tensor.shape))))

r = np.arange(ROWS, dtype=np.float64)[:, None]
x = torch.from_numpy((0.5 + 0.45 * np.sin(0.11 * np.arange(784)[None, :] + 0.7 * r)).astype(np.float32))
eps = torch.from_numpy(np.sin(1.7 * np.arange(20)[None, :] + 0.3 * r).astype(np.float32))
torch.randn_like = lambda like: eps  # the reparameterization's noise, fixed
recon, mu, logvar = model(x)
bce = torch.nn.functional.binary_cross_entropy(recon, x, reduction="sum")
kld = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
loss = loss_function(recon, x, mu, logvar)
loss.backward()

tensors = {}
for name, parameter in model.named_parameters():
    layer, kind = name.split(".")
    grad = parameter.grad.detach().double().flatten()
    count = grad.numel()
    indices = [(j * count) // SAMPLES for j in range(SAMPLES)]
    tensors[f"{NAMES[layer]}.{kind}"] = {
        "sum": grad.sum().item(), "norm": grad.norm().item(), "max_abs": grad.abs().max().item(),
        "indices": indices, "values": [grad[j].item() for j in indices],
    }
json.dump({"torch": torch.__version__, "rows": ROWS, "loss": loss.item(), "reconstruction": bce.item(),
           "kl": kld.item(), "gradients": tensors},
          open(os.path.join(here, "pytorch_reference.json"), "w"), indent=1, sort_keys=True)
print("wrote", os.path.join(here, "pytorch_reference.json"))
