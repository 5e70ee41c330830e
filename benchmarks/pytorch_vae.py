"""The reference vae-dist is compared with: pytorch/examples' VAE (784-400-20,
Adam 1e-3, global batch 128, BCE(sum) + KL) on the same IDX files, timed the
same way (samples per second over each epoch's training steps, the last
partial batch dropped), in one process with N threads or as
DistributedDataParallel over gloo with R single-threaded ranks.

Prints one JSON object per epoch (rank 0), then one summary object.
Usage: python pytorch_vae.py --data DIR --epochs 3 [--threads N | --ddp R] [--target-loss T]

With --target-loss T, training stops after the first epoch whose test loss is
at most T, and rank 0 prints {"target_loss": T, "reached_epoch": E,
"seconds": S}, S counted from the script's start (before torch is imported):
time to quality, as benchmarks/run.py compares it with vae-dist's.
"""
import time

STARTED = time.time()  # before the imports below: torch's start-up counts

import argparse
import gzip
import json
import os
import resource
import socket
import struct
import sys

import numpy as np
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
import torch.nn.functional as F
from torch import nn


def load_idx(path):
    for candidate in (path, path + ".gz"):
        if os.path.exists(candidate):
            raw = open(candidate, "rb").read()
            break
    else:
        raise SystemExit(f"{path}: not found")
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    dims = struct.unpack(">" + "I" * raw[3], raw[4:4 + 4 * raw[3]])
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * raw[3]).reshape(dims)


class VAE(nn.Module):
    """pytorch/examples/vae/main.py, layer for layer."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(784, 400)
        self.fc21 = nn.Linear(400, 20)
        self.fc22 = nn.Linear(400, 20)
        self.fc3 = nn.Linear(20, 400)
        self.fc4 = nn.Linear(400, 784)

    def forward(self, x):
        h1 = F.relu(self.fc1(x.view(-1, 784)))
        mu, logvar = self.fc21(h1), self.fc22(h1)
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
        return torch.sigmoid(self.fc4(F.relu(self.fc3(z)))), mu, logvar


def loss_function(recon_x, x, mu, logvar):
    bce = F.binary_cross_entropy(recon_x, x.view(-1, 784), reduction="sum")
    kld = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return bce + kld


def run(rank, world, args, port):
    torch.manual_seed(1)
    torch.set_num_threads(args.threads if world == 1 else 1)
    if world > 1:
        dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=world)
    train = torch.from_numpy(load_idx(os.path.join(args.data, "train-images-idx3-ubyte")).reshape(-1, 784).astype(np.float32) / 255)
    test = torch.from_numpy(load_idx(os.path.join(args.data, "t10k-images-idx3-ubyte")).reshape(-1, 784).astype(np.float32) / 255)
    model = VAE()
    if world > 1:
        model = nn.parallel.DistributedDataParallel(model)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    local = args.batch_size // world
    steps = len(train) // args.batch_size
    for epoch in range(1, args.epochs + 1):
        generator = torch.Generator().manual_seed(epoch)
        order = torch.randperm(len(train), generator=generator)
        model.train()
        start = time.perf_counter()
        total = 0.0
        for step in range(steps):
            begin = step * args.batch_size + rank * local
            batch = train[order[begin:begin + local]]
            optimizer.zero_grad()
            recon, mu, logvar = model(batch)
            loss = loss_function(recon, batch, mu, logvar)
            loss.backward()
            optimizer.step()
            total += loss.item()
        seconds = time.perf_counter() - start
        model.eval()
        with torch.no_grad():
            shard = test[rank::world]
            recon, mu, logvar = model(shard)
            test_loss = torch.tensor([loss_function(recon, shard, mu, logvar).item()])
            if world > 1:
                dist.all_reduce(test_loss)
        test_loss = test_loss.item() / len(test)
        if rank == 0:
            print(json.dumps({"epoch": epoch, "samples_per_sec": steps * args.batch_size / seconds,
                              "train_loss": total * world / (steps * args.batch_size),
                              "test_loss": test_loss}), flush=True)
        if args.target_loss is not None and test_loss <= args.target_loss:
            # Every rank sees the same all-reduced test loss, so all stop here.
            if rank == 0:
                print(json.dumps({"target_loss": args.target_loss, "reached_epoch": epoch,
                                  "seconds": time.time() - args.started}), flush=True)
            break
    peak = torch.tensor([resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0])
    if world > 1:
        dist.all_reduce(peak, op=dist.ReduceOp.MAX)
        dist.barrier()
    if rank == 0:
        print(json.dumps({"peak_rss_mb": peak.item(), "torch": torch.__version__}), flush=True)
    if world > 1:
        # torch 2.13's gloo aborts a rank now and then while tearing down
        # ("terminate called without an active exception"), with or without
        # destroy_process_group(); every result is printed and flushed by now,
        # so the ranks leave without running destructors.
        sys.stdout.flush()
        os._exit(0)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--ddp", type=int, default=1, help="DistributedDataParallel ranks (gloo, 1 thread each)")
    parser.add_argument("--target-loss", type=float, help="stop after the first epoch whose test loss is at most this")
    args = parser.parse_args()
    args.started = STARTED  # spawned ranks import this module anew: they need the parent's start
    if args.ddp == 1:
        run(0, 1, args, 0)
    else:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        mp.spawn(run, args=(args.ddp, args, port), nprocs=args.ddp, join=True)


if __name__ == "__main__":
    main()
