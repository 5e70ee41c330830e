"""Writes scvi_reference.json: scvi-tools' own log_nb_positive and
log_zinb_positive (and torch's Poisson) on the fixed cell of
CountLikelihoodTests.swift, with autograd's gradients with respect to the
decoder logits, px_r (log θ) and the dropout logits, in float64. The model's
mean is scVI's px_rate = exp(library) · softmax(logits).

scvi-tools is needed only to regenerate it (1.4.2, on Python 3.11):
    python3 -m venv /tmp/scvi && /tmp/scvi/bin/pip install scvi-tools==1.4.2
    /tmp/scvi/bin/python Tests/VAETests/Reference/make_scvi_reference.py
"""
import json
import math
import os

import scvi
import torch
from scvi.distributions._negative_binomial import log_nb_positive, log_zinb_positive

here = os.path.dirname(os.path.abspath(__file__))
counts = [0, 3, 0, 1, 40, 0, 7]
logits = [0.3, -1.2, 2.0, 0.0, 1.4, -0.7, 0.9]
log_theta = [0.5, -1.0, 2.0, 0.1, 1.3, -0.4, 0.0]
dropout = [-1.5, 0.3, 2.0, -0.2, -3.0, 0.8, 0.0]
library = math.log(51.0)

cases = {}
for name in ["poisson", "nb", "zinb"]:
    x = torch.tensor(counts, dtype=torch.float64)
    l = torch.tensor(logits, dtype=torch.float64, requires_grad=True)
    r = torch.tensor(log_theta, dtype=torch.float64, requires_grad=True)
    pi = torch.tensor(dropout, dtype=torch.float64, requires_grad=True)
    mu = math.exp(library) * torch.softmax(l, dim=-1)
    if name == "poisson":
        log_p = torch.distributions.Poisson(mu).log_prob(x).sum()
    elif name == "nb":
        log_p = log_nb_positive(x, mu, torch.exp(r)).sum()
    else:
        log_p = log_zinb_positive(x, mu, torch.exp(r), pi).sum()
    (-log_p).backward()
    cases[name] = {
        "negative_log_likelihood": -log_p.item(),
        "logits": l.grad.tolist(),
        "log_theta": (r.grad.tolist() if r.grad is not None else [0.0] * len(counts)),
        "dropout_logits": (pi.grad.tolist() if pi.grad is not None else []),
    }
json.dump({"scvi_tools": scvi.__version__, "torch": torch.__version__, "counts": counts, "logits": logits,
           "log_theta": log_theta, "dropout_logits": dropout, "log_library": library, "cases": cases},
          open(os.path.join(here, "scvi_reference.json"), "w"), indent=1, sort_keys=True)
print("wrote", os.path.join(here, "scvi_reference.json"))
