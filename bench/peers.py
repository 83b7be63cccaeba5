#!/usr/bin/python3
"""gotl against its peers on 2 threads, side by side in one run: the table of bench/run.sh.

Sections (--sections, default all):
  sgemm     gotl's Sgemm against OpenBLAS through numpy (reusing bench/sgemm.py) on cubes
            256-2048 and the two 1x1 convolutions of a ResNet stage at batch 8.
  resnet    keras.applications' ResNet101 (224x224, 1000-class top; the PyTorch twin is
            bench/resnet101.py's torch_model): inference at batch 1 and 8 with gotl's
            Predict (bench/resnet101) against PyTorch eager, NCHW and channels_last, the
            faster of the two per round, and against TorchScript (traced, frozen, the
            faster layout); one training step at batch 8 (forward, backward, Adam 1e-3 with
            epsilon 1e-7; bench/resnet101 -mode train -optimizer adam) against the same in PyTorch, the faster layout.
  fashion   the examples/fashion epoch against bench/fashion_torch.py (bench/fashion.sh).

Every measurement runs in a fresh process; each round measures gotl and then every peer
variant, so that load from other work on the machine falls on both sides alike. The table
gives medians over rounds with the min-max spread, and the median of the per-round ratios
gotl/peer (higher is better for gotl in every row but the fashion epoch, whose ratio is a
time: lower is better there).
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
import time

BENCH = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, BENCH)
os.environ.update(GOMAXPROCS="2", OMP_NUM_THREADS="2", MKL_NUM_THREADS="2", OPENBLAS_NUM_THREADS="2")

import resnet101  # noqa: E402  (the PyTorch model and the gotl runner of bench/resnet101.sh)
import sgemm  # noqa: E402

SGEMM_SHAPES = ["256", "512", "1024", "2048", "conv1x1_k256_n64", "conv1x1_k64_n256"]
# Bars of issue #6: the least ratio gotl/peer per row.
SGEMM_BARS = {"1024": 0.90, "2048": 0.90, "conv1x1_k256_n64": 1.0, "conv1x1_k64_n256": 1.0}


def child(*args):
    """Runs this script in child mode and returns the number it prints."""
    out = subprocess.run([sys.executable, __file__, *args], check=True, capture_output=True, text=True).stdout
    return float(out.split()[-1])


def torch_setup(batch, layout):
    """The PyTorch ResNet101 and a random batch, in the given memory layout, on 2 threads."""
    import torch
    torch.set_num_threads(2)
    torch.manual_seed(0)
    model = resnet101.torch_model()
    x = torch.rand(batch, 3, 224, 224).mul_(2).sub_(1)
    if layout == "channels_last":
        model = model.to(memory_format=torch.channels_last)
        x = x.contiguous(memory_format=torch.channels_last)
    return torch, model, x


def torch_infer(batch, layout, frozen, seconds):
    torch, model, x = torch_setup(batch, layout)
    model.eval()
    if frozen:
        with torch.no_grad():
            model = torch.jit.freeze(torch.jit.trace(model, x))

    def step():
        with torch.inference_mode():
            torch.softmax(model(x), 1)
    # TorchScript's profiling executor optimizes the graph over its first runs.
    return timed(step, batch, seconds, warmup=3 if frozen else 1)


def torch_train(batch, layout, seconds):
    torch, model, x = torch_setup(batch, layout)
    model.train()
    y = torch.randint(0, 1000, (batch,))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
    loss_fn = torch.nn.CrossEntropyLoss()

    def step():
        opt.zero_grad(set_to_none=True)
        loss_fn(model(x), y).backward()
        opt.step()
    return timed(step, batch, seconds)


def timed(step, batch, seconds, warmup=1):
    for _ in range(warmup):
        step()
    steps, start = 0, time.perf_counter()
    while steps == 0 or time.perf_counter() - start < seconds:
        step()
        steps += 1
    return steps * batch / (time.perf_counter() - start)


def gotl_train(binary, batch, seconds):
    out = subprocess.run([binary, "-mode", "train", "-optimizer", "adam", "-batch", str(batch), "-seconds", str(seconds)],
                         check=True, capture_output=True, text=True).stdout
    match = re.search(r"([0-9.]+) img/s .*peak RSS (\d+) MiB", out)
    if not match:
        sys.exit(f"peers.py: no img/s in the output of {binary}:\n{out}")
    return float(match.group(1)), int(match.group(2))


class Row:
    """One line of the table: gotl's figures, the peer's, and the per-round ratios."""

    def __init__(self, name, unit, bar=None, lower_is_better=False):
        self.name, self.unit, self.bar, self.lower = name, unit, bar, lower_is_better
        self.ours, self.theirs = [], []

    def add(self, ours, theirs):
        self.ours.append(ours)
        self.theirs.append(theirs)

    def line(self):
        ratios = [o / t for o, t in zip(self.ours, self.theirs)]
        ratio = statistics.median(ratios)
        mark = ""
        if self.bar is not None:
            met = ratio <= self.bar if self.lower else ratio >= self.bar
            mark = f"{'≤' if self.lower else '≥'} {self.bar:.2f}: {'met' if met else 'NOT met'}"
        return (f"{self.name:38s} {spread(self.ours):>22s} {spread(self.theirs):>22s} "
                f"{ratio:6.2f} ({min(ratios):.2f}-{max(ratios):.2f})  {mark}")


def spread(values):
    m = statistics.median(values)
    digits = 1 if m >= 10 else 2
    return f"{m:.{digits}f} ({min(values):.{digits}f}-{max(values):.{digits}f})"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--gemm-test", help="the Go test binary of internal/cpu/gemm")
    parser.add_argument("--resnet101", help="the bench/resnet101 binary")
    parser.add_argument("--sections", default="sgemm,resnet,fashion")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--sgemm-seconds", type=float, default=1.0)
    parser.add_argument("--seconds", type=float, default=10.0, help="timing per ResNet101 measurement per run")
    parser.add_argument("--fashion-rounds", type=int, default=1)
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, *rest = args.child
        if kind == "infer":
            print(torch_infer(int(rest[0]), rest[1], rest[2] == "frozen", args.seconds))
        elif kind == "train":
            print(torch_train(int(rest[0]), rest[1], args.seconds))
        return

    sections = args.sections.split(",")
    rows = {}

    def row(key, *a, **k):
        if key not in rows:
            rows[key] = Row(*a, **k)
        return rows[key]

    peak_rss = []
    for r in range(args.rounds):
        if "sgemm" in sections:
            for name in SGEMM_SHAPES:
                ours = sgemm.gotl_gflops(args.gemm_test, name, args.sgemm_seconds)
                theirs = float(subprocess.run(
                    [sys.executable, os.path.join(BENCH, "sgemm.py"), "--numpy", name, "--seconds", str(args.sgemm_seconds)],
                    check=True, capture_output=True, text=True).stdout)
                m, n, k = sgemm.SHAPES[name]
                row("sgemm" + name, f"SGEMM {m}x{n}x{k}", "GFLOP/s", SGEMM_BARS.get(name)).add(ours, theirs)
                log(r, args.rounds, f"SGEMM {name}: gotl {ours:.1f}, OpenBLAS {theirs:.1f} GFLOP/s")
        if "resnet" in sections:
            for batch in (1, 8):
                ours = resnet101.gotl_run(args.resnet101, "infer", batch, args.seconds)
                eager = {layout: child("--seconds", str(args.seconds), "--child", "infer", str(batch), layout, "eager")
                         for layout in ("contiguous", "channels_last")}
                frozen = {layout: child("--seconds", str(args.seconds), "--child", "infer", str(batch), layout, "frozen")
                          for layout in ("contiguous", "channels_last")}
                row(f"eager{batch}", f"ResNet101 inference b{batch} vs eager", "img/s", 1.0).add(ours, max(eager.values()))
                row(f"frozen{batch}", f"ResNet101 inference b{batch} vs TorchScript", "img/s").add(ours, max(frozen.values()))
                log(r, args.rounds, f"inference b{batch}: gotl {ours:.2f}, eager {eager}, frozen {frozen} img/s")
            ours, rss = gotl_train(args.resnet101, 8, 2 * args.seconds)
            peak_rss.append(rss)
            theirs = {layout: child("--seconds", str(2 * args.seconds), "--child", "train", "8", layout)
                      for layout in ("contiguous", "channels_last")}
            row("train8", "ResNet101 train step b8 (Adam)", "img/s", 1.0).add(ours, max(theirs.values()))
            log(r, args.rounds, f"train b8: gotl {ours:.2f} (peak RSS {rss} MiB), torch {theirs} img/s")
    if "fashion" in sections:
        out = subprocess.run([os.path.join(BENCH, "fashion.sh"), str(args.fashion_rounds)],
                             check=True, capture_output=True, text=True).stdout
        times = dict(re.findall(r"^(gotl|PyTorch)\s+([0-9.]+)", out, re.M))
        row("fashion", "fashion epoch (s, lower is better)", "s", lower_is_better=True).add(
            float(times["gotl"]), float(times["PyTorch"]))
        log(0, 1, out.strip())

    print(f"\ngotl against its peers, 2 threads, {args.rounds} alternating rounds (fashion: {args.fashion_rounds});"
          f" median (min-max)")
    print(f"{'':38s} {'gotl':>22s} {'peer':>22s} {'gotl/peer':>16s}  bar")
    for key, r in rows.items():
        print(r.line())
    if peak_rss:
        print(f"gotl ResNet101 training at batch 8: peak RSS {statistics.median(peak_rss)} MiB")


def log(r, rounds, message):
    print(f"round {r + 1}/{rounds}: {message}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
