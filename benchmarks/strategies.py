"""Synchronization strategies, the machine's own ceiling, and before/after
comparisons, measured as interleaved rounds (medians), without PyTorch.

    python3 benchmarks/strategies.py [--rounds 3] [--epochs 1] [--baseline OLD_BINARY]

The ceiling of a 2-rank job on this machine is two independent single-rank
jobs run at the same time, one per core, each with the 2-rank job's per-rank
batch: whatever the two ranks lose against it is the cost of synchronizing
(strong scaling at global batch 128: 64 per rank; weak scaling at 256).
Every configuration runs once per round, rounds interleaved, so drift in the
shared VM's speed hits all of them alike; the table shows medians.
benchmarks/run.py imports this module for the same rows.
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
BINARY = os.path.join(ROOT, ".build", "release", "vae-dist")
DATA = "/usr/share/datasets/fashion-mnist"
ENV = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1", OMPI_MCA_pml="ob1",
           OPENBLAS_NUM_THREADS="1")
SYNCS = ("sharded", "allreduce", "shared")
# Global batch of the 2-rank job -> per-rank batch of each ceiling job.
CEILING_BATCHES = {128: 64, 256: 128}


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


def ceiling_name(global_batch):
    return f"ceiling: 2 x 1 rank, batch {CEILING_BATCHES[global_batch]} each"


def strategy_name(sync, global_batch):
    return f"2 ranks, {sync}, batch {global_batch}"


def configurations(binary, epochs, data):
    """The rows run.py and this script share: 1 rank, each strategy on 2 ranks
    at both global batches, the ceilings, and --deterministic 8 on 1 and 2
    ranks (so its ratios to default come from the same rounds). Returns
    (single, pairs): name -> (binary, ranks, arguments) for one job, and
    name -> (binary, arguments) for two single-rank jobs at once."""
    common = ["--epochs", str(epochs), "--data", data]
    single = {"1 rank": (binary, 1, common)}
    for sync in SYNCS:
        for batch in CEILING_BATCHES:
            single[strategy_name(sync, batch)] = (binary, 2, common + ["--gradient-sync", sync, "--batch-size", str(batch)])
    pairs = {ceiling_name(batch): (binary, common + ["--batch-size", str(per_rank)])
             for batch, per_rank in CEILING_BATCHES.items()}
    single["1 rank, --deterministic 8"] = (binary, 1, common + ["--deterministic", "8"])
    single["2 ranks, --deterministic 8"] = (binary, 2, common + ["--deterministic", "8"])
    return single, pairs


def measure(single, pairs, rounds):
    """Runs every configuration once per round, rounds interleaved; returns
    name -> samples/s of each round (a pair: the sum of its two jobs)."""
    results = {name: [] for name in list(single) + list(pairs)}
    for round in range(rounds):
        for name, (binary, ranks, arguments) in single.items():
            results[name].append(finish(start(binary, ranks, arguments)))
        for name, (binary, arguments) in pairs.items():
            both = [start(binary, 1, arguments), start(binary, 1, arguments)]
            results[name].append(sum(finish(job) for job in both))
        print(f"round {round + 1} of {rounds} done", file=sys.stderr)
    return results


def print_table(results):
    """The markdown rows: median and every round's figure; returns the medians."""
    medians = {name: statistics.median(values) for name, values in results.items()}
    rounds = len(next(iter(results.values())))
    print(f"| configuration | samples/s (median of {rounds}) | runs |")
    print("|---|---|---|")
    for name, value in medians.items():
        print(f"| {name} | {value:,.0f} | {', '.join(f'{v:,.0f}' for v in results[name])} |")
    return medians


def efficiencies(medians):
    """(sync, global batch) -> the 2-rank job's samples/s over its ceiling's."""
    return {(sync, batch): medians[strategy_name(sync, batch)] / medians[ceiling_name(batch)]
            for batch in CEILING_BATCHES for sync in SYNCS}


def deterministic_ratios(medians):
    """--deterministic 8 over default, on 1 and on 2 ranks (default: sharded, batch 128)."""
    return (medians["1 rank, --deterministic 8"] / medians["1 rank"],
            medians["2 ranks, --deterministic 8"] / medians[strategy_name("sharded", 128)])


def print_summary(medians):
    for (sync, batch), ratio in efficiencies(medians).items():
        print(f"- batch {batch}, {sync}: {ratio:.2f} of the 2-job ceiling")
    one, two = deterministic_ratios(medians)
    print(f"- --deterministic 8 vs default: {one:.2f}x on 1 rank, {two:.2f}x on 2 ranks")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--binary", default=BINARY)
    parser.add_argument("--baseline", help="another build's binary, measured beside this one (before/after)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--data", default=DATA)
    parser.add_argument("--npy", help="Fashion-MNIST's training images as a .npy (N, 28, 28) uint8, its t10k images beside it "
                                      "with 'test' for 'train' in the name: the row comparing a mapped .npy with IDX")
    args = parser.parse_args()
    single, pairs = configurations(args.binary, args.epochs, args.data)
    if args.baseline:
        common = ["--epochs", str(args.epochs), "--data", args.data]
        single = {"before: 1 rank": (args.baseline, 1, common),
                  "before: 2 ranks, sharded": (args.baseline, 2, common), **single}
    if args.npy:
        # The default data set as .npy files (train and t10k): the same rows and test set as the IDX default.
        single["2 ranks, sharded, Fashion-MNIST from .npy"] = (
            args.binary, 2, ["--epochs", str(args.epochs), "--data", args.npy, "--test-data", args.npy.replace("train", "test")])
    medians = print_table(measure(single, pairs, args.rounds))
    print()
    print_summary(medians)
    if args.baseline:
        print(f"- after vs before: {medians['1 rank'] / medians['before: 1 rank']:.2f}x on 1 rank, "
              f"{medians[strategy_name('sharded', 128)] / medians['before: 2 ranks, sharded']:.2f}x on 2 ranks")


if __name__ == "__main__":
    main()
