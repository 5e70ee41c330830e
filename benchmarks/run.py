"""Measures vae-dist against PyTorch on this machine, in one run, and prints
the tables for benchmarks/README.md. Started by benchmarks/run.sh, which builds
vae-dist and prepares the PyTorch venv.

Three parts, each with the same data, model, batch and optimizer for every
system:
- throughput: every figure a median over the epochs of one run; ratios against
  PyTorch with one thread, measured in this same run, so a slower or busier
  machine moves both;
- the 2-rank strategies against the machine's own ceiling, and deterministic
  against default, as interleaved rounds (strategies.py's rows and method);
- time to quality: wall-clock seconds from launching a training to the first
  epoch whose test loss reaches the target, vae-dist on 2 ranks against
  PyTorch's 2-core configurations;
then the status against the targets.
"""
import argparse
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

import strategies

ROOT = strategies.ROOT
BINARY = strategies.BINARY
LOCAL = os.path.join(ROOT, "launch", "local.sh")
PYTORCH = os.path.join(ROOT, "benchmarks", "pytorch_vae.py")


def run(command, **kwargs):
    result = subprocess.run(command, capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        sys.exit(f"benchmark: {' '.join(command)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    return result.stdout


def vae_dist(ranks, epochs, data, extra=(), core_type=None):
    """One training run's medians; core_type sets OPENBLAS_CORETYPE for it
    (None: vae-dist chooses the kernel, as for a user)."""
    environment = dict(os.environ)
    environment.pop("OPENBLAS_CORETYPE", None)
    if core_type:
        environment["OPENBLAS_CORETYPE"] = core_type
    out = tempfile.mkdtemp(prefix="vae-bench-")
    try:
        run([LOCAL, str(ranks), "--epochs", str(epochs), "--data", data, "--out", out, "--images-every", "0", *extra],
            env=environment)
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
    output = run([python, PYTORCH, "--data", data, "--epochs", str(epochs), "--threads", str(threads), "--ddp", str(ddp)])
    lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    epochs_seen = [line for line in lines if "epoch" in line]
    return {
        "samples_per_sec": statistics.median(line["samples_per_sec"] for line in epochs_seen),
        "rss": next(line["peak_rss_mb"] for line in lines if "peak_rss_mb" in line),
        "test_loss": epochs_seen[-1]["test_loss"],
        "torch": next(line["torch"] for line in lines if "torch" in line),
    }


def vae_dist_time_to_quality(ranks, data, target, max_epochs):
    """Seconds from launching `launch/local.sh` to the first epoch whose test
    loss is at most `target` being in metrics.jsonl with its checkpoint on
    disk (both are written atomically: a file seen is complete); then the run
    is stopped (SIGTERM: it checkpoints and exits 75). No images, as PyTorch
    writes none. Returns (seconds, epoch, test loss)."""
    out = tempfile.mkdtemp(prefix="vae-bench-quality-")
    metrics = os.path.join(out, "metrics.jsonl")
    with tempfile.TemporaryFile(mode="w+") as log:
        started = time.perf_counter()
        # A session of its own, so that a benchmark ended early can end the whole job (mpirun and ranks too).
        process = subprocess.Popen([LOCAL, str(ranks), "--epochs", str(max_epochs), "--data", data, "--out", out,
                                    "--images-every", "0", "--log-every", "0"],
                                   stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            while True:
                ended = process.poll() is not None  # before reading: an ended run's files are final
                rows = [json.loads(line) for line in open(metrics)] if os.path.exists(metrics) else []
                reached = next((row for row in rows if row["test_loss"] is not None and row["test_loss"] <= target), None)
                if reached and os.path.exists(os.path.join(out, f"checkpoint-{reached['step']:09d}.safetensors")):
                    seconds = time.perf_counter() - started
                    break
                if ended:
                    log.seek(0)
                    last = f"the last test loss was {rows[-1]['test_loss']:.2f}" if rows else "no epoch finished"
                    sys.exit(f"benchmark: vae-dist on {ranks} ranks did not reach test loss <= {target} in {max_epochs} "
                             f"epochs ({last}; exit {process.returncode}):\n{log.read()}")
                time.sleep(0.02)
            process.send_signal(signal.SIGTERM)  # local.sh passes it on as a clean stop
            if process.wait(timeout=60) not in (0, 75):
                log.seek(0)
                sys.exit(f"benchmark: vae-dist did not stop cleanly ({process.returncode}):\n{log.read()}")
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
            shutil.rmtree(out, ignore_errors=True)
    return seconds, reached["epoch"], reached["test_loss"]


def pytorch_time_to_quality(python, data, target, max_epochs, threads=1, ddp=1):
    """Seconds from launching pytorch_vae.py to its line saying an epoch's test
    loss reached `target` (the script stops there). Returns (seconds, epoch,
    test loss)."""
    command = [python, PYTORCH, "--data", data, "--epochs", str(max_epochs), "--threads", str(threads),
               "--ddp", str(ddp), "--target-loss", str(target)]
    with tempfile.TemporaryFile(mode="w+") as log:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=log, text=True)
        seconds, rows = None, []
        for line in process.stdout:
            row = json.loads(line) if line.startswith("{") else {}
            if "reached_epoch" in row:
                seconds = time.perf_counter() - started
            elif "epoch" in row:
                rows.append(row)
        if process.wait() != 0 or seconds is None:
            log.seek(0)
            last = f"the last test loss was {rows[-1]['test_loss']:.2f}" if rows else "no epoch finished"
            sys.exit(f"benchmark: {' '.join(command)} did not reach test loss <= {target} ({last}; "
                     f"exit {process.returncode}):\n{log.read()}")
    return seconds, rows[-1]["epoch"], rows[-1]["test_loss"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--python", required=True, help="the venv's python, with torch")
    parser.add_argument("--data", default=strategies.DATA)
    parser.add_argument("--epochs", type=int, default=3, help="epochs of each throughput run")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds of the ceiling and strategy rows")
    parser.add_argument("--target-loss", type=float, default=245.0, help="test loss that time to quality is measured to")
    parser.add_argument("--max-epochs", type=int, default=20, help="time to quality fails if the target is not reached by then")
    args = parser.parse_args()

    gemm = run([BINARY, "benchmark", "gemm"])
    bound = float(re.search(r"GEMM bound: (\d+)", gemm).group(1))
    blas = re.search(r"^BLAS: (.*)$", gemm, re.MULTILINE).group(1)
    chosen = re.search(r", (\S+) kernels \(", blas).group(1)
    picked = re.search(r"OpenBLAS picked (\S+),", blas)
    own = picked.group(1) if picked else chosen
    own_bound = bound
    if own != chosen:
        own_gemm = run([BINARY, "benchmark", "gemm"], env={**os.environ, "OPENBLAS_CORETYPE": own.upper()})
        own_bound = float(re.search(r"GEMM bound: (\d+)", own_gemm).group(1))
    allreduce = run([LOCAL, "2", "benchmark", "allreduce"])
    fit = re.search(r"alpha = ([\d.]+) us, beta = ([\d.]+) ns/byte", allreduce)

    rows = []
    configurations = ((1, "sharded", 0), (2, "sharded", 0), (2, "allreduce", 0), (2, "shared", 0), (4, "sharded", 0),
                      (8, "sharded", 0), (1, "sharded", 8), (2, "sharded", 8))
    for ranks, sync, shards in configurations:
        result = vae_dist(ranks, args.epochs, args.data, ["--gradient-sync", sync, "--deterministic", str(shards)])
        name = f"vae-dist, {ranks} rank{'s' if ranks > 1 else ''}"
        if ranks > 1 and not shards:
            name += f", {sync}" + (" (oversubscribed)" if ranks > os.cpu_count() else "")
        if shards:
            name += f", --deterministic {shards}"
        rows.append((name, ranks, result))
    # The kernel choice: the same 1-rank run on the kernel named by hand, and
    # on OpenBLAS's own choice where vae-dist replaced it.
    by_hand = vae_dist(1, args.epochs, args.data, core_type=chosen.upper())
    rows.append((f"vae-dist, 1 rank, OPENBLAS_CORETYPE={chosen.upper()} set by hand", 1, by_hand))
    if own != chosen:
        rows.append((f"vae-dist, 1 rank, OpenBLAS's own {own} kernels", 1,
                     vae_dist(1, args.epochs, args.data, core_type=own.upper())))
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
    print(f"BLAS: {blas}.\n")
    print("| system | cores | samples/s | vs PyTorch 1 thread | GEMM | allreduce | other | peak RSS per rank | test loss after run |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, cores, result in rows:
        other = 1 - result["gemm"] - result["allreduce"]
        print(f"| {name} | {min(cores, os.cpu_count())} | {result['samples_per_sec']:,.0f} | {result['samples_per_sec'] / base:.2f}x | "
              f"{result['gemm']:.0%} | {result['allreduce']:.0%} | {other:.0%} | {result['rss']:.0f} MiB | {result['test_loss']:.2f} |")
    for name, cores, result in torch_rows:
        print(f"| {name} | {cores} | {result['samples_per_sec']:,.0f} | {result['samples_per_sec'] / base:.2f}x | | | | "
              f"{result['rss']:.0f} MiB | {result['test_loss']:.2f} |")
    one, two, two_allreduce, two_shared = (rows[i][2]["samples_per_sec"] for i in range(4))
    print()
    print(f"- GEMM bound (the step's GEMMs alone, batch 128, 1 thread): {bound:,.0f} samples/s on {chosen} "
          f"(vae-dist's choice), {own_bound:,.0f} on {own} (OpenBLAS's own); "
          f"vae-dist on 1 rank reaches {one / bound:.0%} of the first.")
    print(f"- Scaling 1 -> 2 ranks: {two / one:.2f}x (sharded, the default), {two_allreduce / one:.2f}x (allreduce), "
          f"{two_shared / one:.2f}x (shared); 2 ranks (default) vs PyTorch with 2 threads: "
          f"{two / torch_rows[1][2]['samples_per_sec']:.2f}x; vs DDP: {two / torch_rows[2][2]['samples_per_sec']:.2f}x.")
    print(f"- Allreduce on 2 ranks: alpha {fit.group(1)} us, beta {fit.group(2)} ns/byte "
          f"(the 2.6 MB gradient: {(float(fit.group(1)) + 2_611_296 * float(fit.group(2)) / 1000) / 1000:.2f} ms).")
    print(f"- mpirun -np 2, launch to exit after one training step (MPI start, data load, step, checkpoint): {launch_seconds:.2f} s.")
    print(f"- Deterministic mode (--deterministic 8) vs default: {rows[6][2]['samples_per_sec'] / one:.2f}x on 1 rank, "
          f"{rows[7][2]['samples_per_sec'] / two:.2f}x on 2 ranks.")
    print(f"- Peak RSS per rank: vae-dist {rows[0][2]['rss']:.0f} MiB vs PyTorch {reference['rss']:.0f} MiB "
          f"({rows[0][2]['rss'] / reference['rss']:.2f}x).")

    sys.stdout.flush()  # each part's rows as soon as they are measured

    print(f"\nThe 2-rank strategies against the machine's own ceiling (two single-rank jobs at once, each with the "
          f"2-rank job's per-rank batch), without PyTorch: one epoch per configuration and round, "
          f"rounds interleaved: {args.rounds}.\n")
    medians = strategies.print_table(strategies.measure(*strategies.configurations(BINARY, 1, args.data), args.rounds))
    print()
    strategies.print_summary(medians)
    sys.stdout.flush()

    vae_seconds, best_name, best_seconds = time_to_quality(args)

    efficiency = strategies.efficiencies(medians)
    deterministic = strategies.deterministic_ratios(medians)
    print("\nAgainst the targets:\n")
    print("- 2 ranks vs the 2-job ceiling (global batch 128 / 256): " + ", ".join(
        f"{sync} {efficiency[sync, 128]:.2f} / {efficiency[sync, 256]:.2f}" for sync in strategies.SYNCS) + ".")
    print(f"- --deterministic 8 vs default >= 0.8x: {deterministic[0]:.2f}x on 1 rank, {deterministic[1]:.2f}x on 2 ranks: "
          f"{status(min(deterministic) >= 0.8)}.")
    print(f"- Kernel choice: vae-dist choosing ({chosen}) within 5% of {chosen} set by hand: {one / by_hand['samples_per_sec']:.2f}x: "
          f"{status(one / by_hand['samples_per_sec'] >= 0.95)}" + (f"; OpenBLAS's own {own}: {rows[-1][2]['samples_per_sec'] / one:.2f}x of it." if own != chosen else "."))
    print(f"- 1 rank >= 80% of the GEMM bound: {one / bound:.0%}: {status(one / bound >= 0.8)}.")
    print(f"- 1 rank >= 1.8x PyTorch 1 thread: {one / base:.2f}x: {status(one / base >= 1.8)}.")
    print(f"- Time to test loss <= {args.target_loss}: vae-dist 2 ranks {vae_seconds:.1f} s vs {best_name} "
          f"{best_seconds:.1f} s: {best_seconds / vae_seconds:.2f}x (above 1: vae-dist gets there sooner).")


def time_to_quality(args):
    """Measures and prints time to quality: vae-dist on 2 ranks against
    PyTorch's two 2-core configurations. Returns (vae-dist's seconds, the best
    PyTorch configuration's name, its seconds)."""
    results = [("vae-dist, 2 ranks", vae_dist_time_to_quality(2, args.data, args.target_loss, args.max_epochs)),
               ("PyTorch, 1 process x 2 threads",
                pytorch_time_to_quality(args.python, args.data, args.target_loss, args.max_epochs, threads=2)),
               ("PyTorch DDP (gloo), 2 ranks x 1 thread",
                pytorch_time_to_quality(args.python, args.data, args.target_loss, args.max_epochs, ddp=2))]
    best_name, (best_seconds, _, _) = min(results[1:], key=lambda result: result[1][0])
    print(f"\nTime to quality: wall-clock seconds from launch to the first epoch with test loss <= {args.target_loss} "
          f"(vae-dist: with that epoch's checkpoint on disk), at most {args.max_epochs} epochs, 2 cores each; "
          f"best PyTorch: {best_name}.\n")
    print("| system | seconds | epochs | test loss then | best PyTorch's seconds / these |")
    print("|---|---|---|---|---|")
    for name, (seconds, epochs, loss) in results:
        print(f"| {name} | {seconds:.1f} | {epochs} | {loss:.2f} | {best_seconds / seconds:.2f}x |")
    return results[0][1][0], best_name, best_seconds


def status(met):
    """How a target line ends; the unmet ones stand out in the rendered list."""
    return "met" if met else "**not met**"


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
