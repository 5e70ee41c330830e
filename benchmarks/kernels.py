"""The BLAS kernel choice measured: one rank of vae-dist on each kernel
setting, as interleaved rounds (medians), with each kernel's GEMM bound and,
given --python, PyTorch with one thread in the same rounds.

    python3 benchmarks/kernels.py [--rounds 3] [--epochs 2] [--python benchmarks/.venv/bin/python]

The settings: vae-dist choosing (OPENBLAS_CORETYPE unset, as a user runs it);
the kernel it chose, set by hand; OpenBLAS's own choice, set by hand; and
OpenBLAS's Prescott fallback forced as if it were OpenBLAS's own choice
(VAE_DIST_TEST_CORETYPE_IS_OPENBLAS_CHOICE=1), which vae-dist must correct.
Targets (issue 18): the forced fallback within 5% of the chosen kernel set by
hand; one rank at least 0.80 of the GEMM bound and 1.8x PyTorch with one thread.
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys

import strategies

ROOT = strategies.ROOT
BINARY = strategies.BINARY
PYTORCH = os.path.join(ROOT, "benchmarks", "pytorch_vae.py")


def environment(core_type=None, forced_fallback=False):
    env = dict(strategies.ENV)
    env.pop("OPENBLAS_CORETYPE", None)
    env.pop("VAE_DIST_TEST_CORETYPE_IS_OPENBLAS_CHOICE", None)
    if core_type:
        env["OPENBLAS_CORETYPE"] = core_type
    if forced_fallback:
        env["VAE_DIST_TEST_CORETYPE_IS_OPENBLAS_CHOICE"] = "1"
    return env


def gemm(env):
    result = subprocess.run([BINARY, "benchmark", "gemm"], capture_output=True, text=True, env=env)
    if result.returncode != 0:
        sys.exit(f"kernels: benchmark gemm failed:\n{result.stdout}\n{result.stderr}")
    blas = re.search(r"^BLAS: (.*)$", result.stdout, re.MULTILINE).group(1)
    return blas, float(re.search(r"GEMM bound: (\d+)", result.stdout).group(1))


def train(env, epochs, data):
    saved = strategies.ENV
    strategies.ENV = env
    try:
        return strategies.finish(strategies.start(BINARY, 1, ["--data", data, "--epochs", str(epochs)]))
    finally:
        strategies.ENV = saved


def pytorch(python, epochs, data):
    result = subprocess.run([python, PYTORCH, "--epochs", str(epochs), "--data", data, "--threads", "1"],
                            capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"kernels: PyTorch failed:\n{result.stdout}\n{result.stderr}")
    epochs = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{\"epoch\"")]
    return statistics.median(epoch["samples_per_sec"] for epoch in epochs)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--data", default=strategies.DATA)
    parser.add_argument("--python", help="a python with torch, for PyTorch's 1-thread row")
    args = parser.parse_args()

    blas, bound = gemm(environment())
    chosen = re.search(r", (\S+) kernels \(", blas).group(1)
    picked = re.search(r"OpenBLAS picked (\S+),", blas)
    own = picked.group(1) if picked else chosen
    settings = {f"vae-dist choosing ({chosen})": environment(),
                f"OPENBLAS_CORETYPE={chosen.upper()} by hand": environment(chosen.upper())}
    if own != chosen:
        settings[f"OpenBLAS's own choice, OPENBLAS_CORETYPE={own.upper()} by hand"] = environment(own.upper())
    settings["Prescott forced as OpenBLAS's choice, corrected by vae-dist"] = environment("PRESCOTT", forced_fallback=True)
    bounds = {name: gemm(env) for name, env in settings.items()}

    samples = {name: [] for name in settings}
    if args.python:
        samples["PyTorch, 1 thread"] = []
    for _ in range(args.rounds):
        for name, env in settings.items():
            samples[name].append(train(env, args.epochs, args.data))
        if args.python:
            samples["PyTorch, 1 thread"].append(pytorch(args.python, args.epochs, args.data))
    medians = {name: statistics.median(values) for name, values in samples.items()}

    print(f"CPU: {cpu_name()}; BLAS: {blas}")
    print(f"1 rank, batch 128, median of {args.rounds} interleaved rounds of {args.epochs} epochs each.\n")
    print("| setting | kernels | GEMM bound (samples/s) | samples/s | of its GEMM bound |")
    print("|---|---|---|---|---|")
    for name in settings:
        kernel = re.search(r", (\S+) kernels \(", bounds[name][0]).group(1)
        print(f"| {name} | {kernel} | {bounds[name][1]:,.0f} | {medians[name]:,.0f} | {medians[name] / bounds[name][1]:.2f} |")
    if args.python:
        print(f"| PyTorch, 1 thread | its own | | {medians['PyTorch, 1 thread']:,.0f} | |")
    first = list(settings)
    choosing, by_hand, forced = medians[first[0]], medians[first[1]], medians[first[-1]]
    print()
    print(f"- forced fallback corrected vs {chosen} by hand: {forced / by_hand:.2f}x (target >= 0.95)")
    print(f"- vae-dist choosing vs {chosen} by hand: {choosing / by_hand:.2f}x")
    if own != chosen:
        print(f"- OpenBLAS's own {own} vs vae-dist's {chosen}: {medians[first[2]] / choosing:.2f}x")
    print(f"- 1 rank vs the GEMM bound: {choosing / bound:.2f} (target >= 0.80)")
    if args.python:
        print(f"- 1 rank vs PyTorch 1 thread: {choosing / medians['PyTorch, 1 thread']:.2f}x (target >= 1.8)")


def cpu_name():
    """The CPU's name and model number, which is what OpenBLAS picks kernels by."""
    fields = {}
    try:
        for line in open("/proc/cpuinfo"):
            key, _, value = line.partition(":")
            fields.setdefault(key.strip(), value.strip())
    except OSError:
        return "unknown CPU"
    return f"{fields.get('model name', 'unknown CPU')} (family {fields.get('cpu family', '?')}, model {fields.get('model', '?')})"


if __name__ == "__main__":
    main()
