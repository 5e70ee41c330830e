"""Synchronization strategies, the machine's own ceiling, and before/after
comparisons, measured as interleaved rounds (medians), without PyTorch.

    python3 benchmarks/strategies.py [--rounds 3] [--epochs 1] [--baseline OLD_BINARY]

The ceiling of a 2-rank job on this machine is two independent single-rank
jobs run at the same time, one per core, each with the 2-rank job's per-rank
batch: whatever the two ranks lose against it is the cost of synchronizing
(strong scaling at global batch 128: 64 per rank; weak scaling at 256).
Every configuration runs once per round, rounds interleaved, so drift in the
shared VM's speed hits all of them alike; the table shows medians.
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ENV = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1", OMPI_MCA_pml="ob1",
           OPENBLAS_NUM_THREADS="1")


def start(binary, ranks, arguments):
    out = tempfile.mkdtemp(prefix="vae-strategies-")
    command = [binary, "train", "--out", out, "--images-every", "0", "--log-every", "0", *arguments]
    if ranks > 1:
        command = ["mpirun", "-np", str(ranks), "--bind-to", "core", *command]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV)
    return process, out


def finish(started):
    process, out = started
    stdout, stderr = process.communicate()
    try:
        if process.returncode != 0:
            sys.exit(f"strategies: a run failed ({process.returncode}):\n{stdout}\n{stderr}")
        lines = [json.loads(line) for line in open(os.path.join(out, "metrics.jsonl"))]
        return statistics.median(line["samples_per_sec"] for line in lines)
    finally:
        shutil.rmtree(out, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--binary", default=os.path.join(ROOT, ".build", "release", "vae-dist"))
    parser.add_argument("--baseline", help="another build's binary, measured beside this one (before/after)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--npy", help="Fashion-MNIST's training images as a .npy (N, 28, 28) uint8, its t10k images beside it "
                                      "with 'test' for 'train' in the name: the row comparing a mapped .npy with IDX")
    args = parser.parse_args()
    epochs = ["--epochs", str(args.epochs)]
    single = {}   # name -> (binary, ranks, arguments)
    pairs = {}    # name -> (binary, arguments): two single-rank jobs at once
    if args.baseline:
        single["before: 1 rank"] = (args.baseline, 1, epochs)
        single["before: 2 ranks, sharded"] = (args.baseline, 2, epochs)
    single["1 rank"] = (args.binary, 1, epochs)
    for sync in ("sharded", "allreduce", "shared"):
        single[f"2 ranks, {sync}, batch 128"] = (args.binary, 2, epochs + ["--gradient-sync", sync])
        single[f"2 ranks, {sync}, batch 256"] = (args.binary, 2, epochs + ["--gradient-sync", sync, "--batch-size", "256"])
    pairs["ceiling: 2 x 1 rank, batch 64 each"] = (args.binary, epochs + ["--batch-size", "64"])
    pairs["ceiling: 2 x 1 rank, batch 128 each"] = (args.binary, epochs + ["--batch-size", "128"])
    single["1 rank, --deterministic 8"] = (args.binary, 1, epochs + ["--deterministic", "8"])
    single["2 ranks, --deterministic 8"] = (args.binary, 2, epochs + ["--deterministic", "8"])
    if args.npy:
        # The default data set as .npy files (train and t10k): the same rows and test set as the IDX default.
        single["2 ranks, sharded, Fashion-MNIST from .npy"] = (
            args.binary, 2, epochs + ["--data", args.npy, "--test-data", args.npy.replace("train", "test")])
    results = {name: [] for name in list(single) + list(pairs)}
    for round in range(args.rounds):
        for name, (binary, ranks, arguments) in single.items():
            results[name].append(finish(start(binary, ranks, arguments)))
        for name, (binary, arguments) in pairs.items():
            both = [start(binary, 1, arguments), start(binary, 1, arguments)]
            results[name].append(sum(finish(job) for job in both))
        print(f"round {round + 1} of {args.rounds} done", file=sys.stderr)
    medians = {name: statistics.median(values) for name, values in results.items()}
    print(f"| configuration | samples/s (median of {args.rounds}) | runs |")
    print("|---|---|---|")
    for name, value in medians.items():
        print(f"| {name} | {value:,.0f} | {', '.join(f'{v:,.0f}' for v in results[name])} |")
    print()
    for batch, per_rank in ((128, 64), (256, 128)):
        ceiling = medians[f"ceiling: 2 x 1 rank, batch {per_rank} each"]
        for sync in ("sharded", "allreduce", "shared"):
            print(f"- batch {batch}, {sync}: {medians[f'2 ranks, {sync}, batch {batch}'] / ceiling:.2f} of the 2-job ceiling")
    one = medians["1 rank"]
    print(f"- --deterministic 8 vs default: {medians['1 rank, --deterministic 8'] / one:.2f}x on 1 rank, "
          f"{medians['2 ranks, --deterministic 8'] / medians['2 ranks, sharded, batch 128']:.2f}x on 2 ranks")
    if args.baseline:
        print(f"- after vs before: {one / medians['before: 1 rank']:.2f}x on 1 rank, "
              f"{medians['2 ranks, sharded, batch 128'] / medians['before: 2 ranks, sharded']:.2f}x on 2 ranks")


if __name__ == "__main__":
    main()
