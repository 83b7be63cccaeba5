#!/usr/bin/python3
"""Side-by-side SGEMM benchmark: gotl's Sgemm against OpenBLAS through numpy.

Run through sgemm.sh, which builds the Go benchmark binary and fixes the thread counts.
Each round measures every shape with gotl then with numpy, each in a fresh process so
that neither's threads (OpenBLAS's spin after a call) run during the other's timing.
The table gives medians over rounds with the min-max spread; the ratio column is the
median of the per-round ratios gotl/OpenBLAS.
"""
import argparse
import re
import statistics
import subprocess
import sys
import time

# name: (m, n, k), as in BenchmarkSgemm (internal/cpu/gemm/bench_test.go).
SHAPES = {
    "256": (256, 256, 256),
    "512": (512, 512, 512),
    "1024": (1024, 1024, 1024),
    "2048": (2048, 2048, 2048),
    "conv1x1_k256_n64": (8 * 56 * 56, 64, 256),
    "conv1x1_k64_n256": (8 * 56 * 56, 256, 64),
}


def numpy_gflops(name, seconds):
    """GFLOP/s of C = A·B into a preallocated C, averaged over calls for `seconds`."""
    import numpy as np
    m, n, k = SHAPES[name]
    rng = np.random.default_rng(1)
    a = rng.uniform(-1, 1, (m, k)).astype(np.float32)
    b = rng.uniform(-1, 1, (k, n)).astype(np.float32)
    c = np.empty((m, n), np.float32)
    np.matmul(a, b, out=c)  # warm up: threads started, pages touched
    calls, start = 0, time.perf_counter()
    while True:
        np.matmul(a, b, out=c)
        calls += 1
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return 2 * m * n * k * calls / elapsed / 1e9


def gotl_gflops(binary, name, seconds):
    out = subprocess.run(
        [binary, "-test.run=^$", f"-test.bench=^BenchmarkSgemm$/^{name}$", f"-test.benchtime={seconds}s"],
        check=True, capture_output=True, text=True).stdout
    match = re.search(r"([0-9.]+) GFLOP/s", out)
    if not match:
        sys.exit(f"sgemm.py: no GFLOP/s in the output of {binary}:\n{out}")
    return float(match.group(1))


def spread(values):
    return f"{statistics.median(values):7.1f} ({min(values):5.1f}-{max(values):5.1f})"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--gotl", help="the Go test binary of internal/cpu/gemm")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=1.0, help="timing per shape per run")
    parser.add_argument("--shapes", default=",".join(SHAPES), help="comma-separated names")
    parser.add_argument("--numpy", metavar="NAME", help=argparse.SUPPRESS)  # child mode
    args = parser.parse_args()
    if args.numpy:
        print(numpy_gflops(args.numpy, args.seconds))
        return
    names = args.shapes.split(",")
    ours = {name: [] for name in names}
    theirs = {name: [] for name in names}
    for r in range(args.rounds):
        for name in names:
            ours[name].append(gotl_gflops(args.gotl, name, args.seconds))
            child = subprocess.run([sys.executable, __file__, "--numpy", name, "--seconds", str(args.seconds)],
                                   check=True, capture_output=True, text=True)
            theirs[name].append(float(child.stdout))
            print(f"round {r + 1}/{args.rounds} {name:18s} gotl {ours[name][-1]:6.1f}  "
                  f"OpenBLAS {theirs[name][-1]:6.1f} GFLOP/s", file=sys.stderr)
    print(f"SGEMM, GFLOP/s: median (min-max) over {args.rounds} alternating rounds")
    print(f"{'shape (m×n×k)':28s} {'gotl':>21s} {'OpenBLAS':>21s} {'gotl/OpenBLAS':>21s}")
    for name in names:
        m, n, k = SHAPES[name]
        ratios = [o / t for o, t in zip(ours[name], theirs[name])]
        print(f"{name + f' {m}×{n}×{k}':28s} {spread(ours[name]):>21s} {spread(theirs[name]):>21s} "
              f"{statistics.median(ratios):9.2f} ({min(ratios):.2f}-{max(ratios):.2f})")


if __name__ == "__main__":
    main()
