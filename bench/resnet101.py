#!/usr/bin/python3
"""Side-by-side ResNet101 benchmark: gotl against PyTorch on 2 threads.

Run through resnet101.sh, which builds the Go program (bench/resnet101) and fixes the thread
counts. Three measurements at 224x224x3 with the 1000-class top: inference at batch 1 and 8,
and one training step at batch 8 (forward, backward, SGD with momentum 0.9; sparse
categorical cross-entropy). Each round runs every measurement with gotl and then with
PyTorch, each in a fresh process, for at least --seconds after one untimed step; the table
gives medians over rounds with the min-max spread, and the median of the per-round ratios.

The PyTorch model is Keras's ResNet101 written in plain torch (Debian's python3-torch 1.13
ships no torchvision): the same layers as keras.applications' (stride on the first 1x1
convolution of a block, convolutions with bias, BatchNormalization epsilon 1.001e-5), in
channels_last memory format, torch.set_num_threads(2), OMP_WAIT_POLICY from resnet101.sh
(PASSIVE unless set: see there).
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
import time

CASES = [("infer", 1), ("infer", 8), ("train", 8)]


def torch_model():
    import torch
    from torch import nn

    class Block(nn.Module):
        def __init__(self, cin, filters, stride, shortcut):
            super().__init__()
            self.shortcut = nn.Sequential(nn.Conv2d(cin, 4 * filters, 1, stride),
                                          nn.BatchNorm2d(4 * filters, eps=1.001e-5)) if shortcut else None
            self.body = nn.Sequential(
                nn.Conv2d(cin, filters, 1, stride), nn.BatchNorm2d(filters, eps=1.001e-5), nn.ReLU(inplace=True),
                nn.Conv2d(filters, filters, 3, 1, 1), nn.BatchNorm2d(filters, eps=1.001e-5), nn.ReLU(inplace=True),
                nn.Conv2d(filters, 4 * filters, 1), nn.BatchNorm2d(4 * filters, eps=1.001e-5))

        def forward(self, x):
            s = x if self.shortcut is None else self.shortcut(x)
            return torch.relu(s + self.body(x))

    layers = [nn.Conv2d(3, 64, 7, 2, 3), nn.BatchNorm2d(64, eps=1.001e-5), nn.ReLU(inplace=True),
              nn.MaxPool2d(3, 2, 1)]
    cin = 64
    for filters, blocks, stride in [(64, 3, 1), (128, 4, 2), (256, 23, 2), (512, 3, 2)]:
        for b in range(blocks):
            layers.append(Block(cin, filters, stride if b == 0 else 1, b == 0))
            cin = 4 * filters
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(2048, 1000)]
    return nn.Sequential(*layers)


def torch_run(mode, batch, seconds):
    import torch
    torch.set_num_threads(2)
    torch.manual_seed(0)
    model = torch_model().to(memory_format=torch.channels_last)
    x = torch.rand(batch, 3, 224, 224).mul_(2).sub_(1).contiguous(memory_format=torch.channels_last)
    y = torch.randint(0, 1000, (batch,))
    if mode == "infer":
        model.eval()

        def step():
            with torch.inference_mode():
                torch.softmax(model(x), 1)
    else:
        model.train()
        opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
        loss_fn = torch.nn.CrossEntropyLoss()

        def step():
            opt.zero_grad(set_to_none=True)
            loss_fn(model(x), y).backward()
            opt.step()
    step()
    steps, start = 0, time.perf_counter()
    while steps == 0 or time.perf_counter() - start < seconds:
        step()
        steps += 1
    return steps * batch / (time.perf_counter() - start)


def gotl_run(binary, mode, batch, seconds):
    out = subprocess.run([binary, "-mode", mode, "-batch", str(batch), "-seconds", str(seconds)],
                         check=True, capture_output=True, text=True).stdout
    match = re.search(r"([0-9.]+) img/s", out)
    if not match:
        sys.exit(f"resnet101.py: no img/s in the output of {binary}:\n{out}")
    return float(match.group(1))


def spread(values):
    return f"{statistics.median(values):7.2f} ({min(values):6.2f}-{max(values):6.2f})"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--gotl", help="the bench/resnet101 binary")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=10.0, help="timing per measurement per run")
    parser.add_argument("--cases", default=",".join(f"{m}{b}" for m, b in CASES), help="e.g. infer1,infer8,train8")
    parser.add_argument("--torch", metavar="CASE", help=argparse.SUPPRESS)  # child mode
    args = parser.parse_args()
    if args.torch:
        mode, batch = re.fullmatch(r"(infer|train)(\d+)", args.torch).groups()
        print(torch_run(mode, int(batch), args.seconds))
        return
    cases = [re.fullmatch(r"(infer|train)(\d+)", c).groups() for c in args.cases.split(",")]
    ours = {c: [] for c in cases}
    theirs = {c: [] for c in cases}
    for r in range(args.rounds):
        for c in cases:
            mode, batch = c
            ours[c].append(gotl_run(args.gotl, mode, int(batch), args.seconds))
            child = subprocess.run([sys.executable, __file__, "--torch", mode + batch, "--seconds", str(args.seconds)],
                                   check=True, capture_output=True, text=True)
            theirs[c].append(float(child.stdout))
            print(f"round {r + 1}/{args.rounds} {mode} batch {batch}: gotl {ours[c][-1]:7.2f} img/s, "
                  f"torch {theirs[c][-1]:7.2f} img/s", file=sys.stderr, flush=True)
    load = os.getloadavg()[0]
    print(f"\nResNet101 224x224, 2 threads, {args.rounds} rounds of >= {args.seconds:g} s, "
          f"OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY', '')}, load average {load:.1f} at the end; "
          "img/s median (min-max)")
    print(f"{'case':18s} {'gotl':>24s} {'PyTorch 1.13':>24s} {'gotl/torch':>11s}")
    for c in cases:
        mode, batch = c
        ratio = statistics.median(o / t for o, t in zip(ours[c], theirs[c]))
        name = f"{'inference' if mode == 'infer' else 'train step'} b{batch}"
        print(f"{name:18s} {spread(ours[c]):>24s} {spread(theirs[c]):>24s} {ratio:11.3f}")


if __name__ == "__main__":
    main()
