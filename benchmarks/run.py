"""Measures vae-dist against PyTorch on this machine, in one run, and prints
the table for benchmarks/README.md. Started by benchmarks/run.sh, which builds
vae-dist and prepares the PyTorch venv.

Every figure is a median over the epochs of a run (the data, model, batch and
optimizer are the same for every system); ratios are against PyTorch with one
thread, measured in this same run, so a slower or busier machine moves both.
"""
import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BINARY = os.path.join(ROOT, ".build", "release", "vae-dist")
LOCAL = os.path.join(ROOT, "launch", "local.sh")


def run(command, **kwargs):
    result = subprocess.run(command, capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        sys.exit(f"benchmark: {' '.join(command)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    return result.stdout


def vae_dist(ranks, epochs, data, extra=()):
    out = tempfile.mkdtemp(prefix="vae-bench-")
    try:
        run([LOCAL, str(ranks), "--epochs", str(epochs), "--data", data, "--out", out, "--images-every", "0", *extra])
        lines = [json.loads(line) for line in open(os.path.join(out, "metrics.jsonl"))]
    finally:
        shutil.rmtree(out, ignore_errors=True)
    return {
        "samples_per_sec": statistics.median(line["samples_per_sec"] for line in lines),
        "gemm": statistics.median(line["gemm_seconds"] / line["train_seconds"] for line in lines),
        "allreduce": statistics.median(line["allreduce_seconds"] / line["train_seconds"] for line in lines),
        "rss": max(line["peak_rss_mb"] for line in lines),
        "test_loss": lines[-1]["test_loss"],
    }


def pytorch(python, epochs, data, threads=1, ddp=1):
    script = os.path.join(ROOT, "benchmarks", "pytorch_vae.py")
    output = run([python, script, "--data", data, "--epochs", str(epochs), "--threads", str(threads), "--ddp", str(ddp)])
    lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    epochs_seen = [line for line in lines if "epoch" in line]
    return {
        "samples_per_sec": statistics.median(line["samples_per_sec"] for line in epochs_seen),
        "rss": next(line["peak_rss_mb"] for line in lines if "peak_rss_mb" in line),
        "test_loss": epochs_seen[-1]["test_loss"],
        "torch": next(line["torch"] for line in lines if "torch" in line),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--python", required=True, help="the venv's python, with torch")
    parser.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    parser.add_argument("--epochs", type=int, default=3)
    args = parser.parse_args()

    gemm = run([BINARY, "benchmark", "gemm"])
    bound = float(re.search(r"GEMM bound: (\d+)", gemm).group(1))
    allreduce = run([LOCAL, "2", "benchmark", "allreduce"])
    fit = re.search(r"alpha = ([\d.]+) us, beta = ([\d.]+) ns/byte", allreduce)

    rows = []
    configurations = ((1, "sharded", 0), (2, "sharded", 0), (2, "allreduce", 0), (4, "sharded", 0), (8, "sharded", 0),
                      (1, "sharded", 8), (2, "sharded", 8))
    for ranks, sync, shards in configurations:
        result = vae_dist(ranks, args.epochs, args.data, ["--gradient-sync", sync, "--deterministic", str(shards)])
        name = f"vae-dist, {ranks} rank{'s' if ranks > 1 else ''}"
        if ranks > 1 and not shards:
            name += f", {sync}" + (" (oversubscribed)" if ranks > os.cpu_count() else "")
        if shards:
            name += f", --deterministic {shards}"
        rows.append((name, ranks, result))
    start = time.perf_counter()
    out = tempfile.mkdtemp(prefix="vae-bench-")
    run([LOCAL, "2", "--max-steps", "1", "--data", args.data, "--out", out, "--images-every", "0"])
    launch_seconds = time.perf_counter() - start
    shutil.rmtree(out, ignore_errors=True)

    reference = pytorch(args.python, args.epochs, args.data, threads=1)
    torch_rows = [("PyTorch, 1 process x 1 thread", 1, reference),
                  ("PyTorch, 1 process x 2 threads", 2, pytorch(args.python, args.epochs, args.data, threads=2)),
                  ("PyTorch DDP (gloo), 2 ranks x 1 thread", 2, pytorch(args.python, args.epochs, args.data, ddp=2))]

    base = reference["samples_per_sec"]
    print(f"Machine: {platform.machine()}, {os.cpu_count()} cores ({cpu_name()}); PyTorch {reference['torch']}; "
          f"Fashion-MNIST, 784-400-20, global batch 128, Adam 1e-3; median of {args.epochs} epochs per row.\n")
    print("| system | cores | samples/s | vs PyTorch 1 thread | GEMM | allreduce | other | peak RSS per rank | test loss after run |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, cores, result in rows:
        other = 1 - result["gemm"] - result["allreduce"]
        print(f"| {name} | {min(cores, os.cpu_count())} | {result['samples_per_sec']:,.0f} | {result['samples_per_sec'] / base:.2f}x | "
              f"{result['gemm']:.0%} | {result['allreduce']:.0%} | {other:.0%} | {result['rss']:.0f} MiB | {result['test_loss']:.2f} |")
    for name, cores, result in torch_rows:
        print(f"| {name} | {cores} | {result['samples_per_sec']:,.0f} | {result['samples_per_sec'] / base:.2f}x | | | | "
              f"{result['rss']:.0f} MiB | {result['test_loss']:.2f} |")
    one, two, two_allreduce = (rows[i][2]["samples_per_sec"] for i in range(3))
    print()
    print(f"- GEMM bound (the step's GEMMs alone, batch 128, 1 thread): {bound:,.0f} samples/s; "
          f"vae-dist on 1 rank reaches {one / bound:.0%} of it.")
    print(f"- Scaling 1 -> 2 ranks: {two / one:.2f}x (sharded), {two_allreduce / one:.2f}x (allreduce); 2 ranks vs PyTorch with 2 threads: "
          f"{two / torch_rows[1][2]['samples_per_sec']:.2f}x; vs DDP: {two / torch_rows[2][2]['samples_per_sec']:.2f}x.")
    print(f"- Allreduce on 2 ranks: alpha {fit.group(1)} us, beta {fit.group(2)} ns/byte "
          f"(the 2.6 MB gradient: {(float(fit.group(1)) + 2_611_296 * float(fit.group(2)) / 1000) / 1000:.2f} ms).")
    print(f"- mpirun -np 2, launch to exit after one training step (MPI start, data load, step, checkpoint): {launch_seconds:.2f} s.")
    print(f"- Deterministic mode (--deterministic 8) vs default: {rows[5][2]['samples_per_sec'] / one:.2f}x on 1 rank, "
          f"{rows[6][2]['samples_per_sec'] / two:.2f}x on 2 ranks.")
    print(f"- Peak RSS per rank: vae-dist {rows[0][2]['rss']:.0f} MiB vs PyTorch {reference['rss']:.0f} MiB "
          f"({rows[0][2]['rss'] / reference['rss']:.2f}x).")


def cpu_name():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


if __name__ == "__main__":
    main()
