#!/usr/bin/python3
"""The recipe of examples/fashion in PyTorch (Debian's python3-torch 1.13), for bench/fashion.sh.

Same data (Debian's dataset-fashion-mnist idx files read with gzip and numpy; pixels / 255;
the last 6,000 training images held out for validation), same network
    Conv2D(32, 3, same, relu) -> BatchNorm -> MaxPool(2) -> Conv2D(64, 3, same, relu)
    -> BatchNorm -> MaxPool(2) -> Flatten -> Dense(128, relu) -> Dropout(0.3) -> Dense(10)
with Keras's initialisation (glorot_uniform kernels, zero biases) and BatchNormalization
settings (momentum 0.99, i.e. PyTorch's 0.01; epsilon 1e-3), softmax cross-entropy, Adam(1e-3,
epsilon 1e-7), batch 64 shuffled every epoch, 5 epochs, validation after each epoch, on 2
threads. (PyTorch's Adam adds epsilon to the bias-corrected sqrt(v), Keras to the uncorrected
one; with epsilon 1e-7 the difference is negligible.) ReduceLROnPlateau(val_loss, factor 0.5,
patience 2) as in the example; there is no checkpointing.

Prints one line per epoch and then
    RESULT seconds_per_epoch=<mean> test_accuracy=<accuracy of the final model>
"""
import argparse
import gzip
import os
import time

os.environ.setdefault("OMP_NUM_THREADS", "2")

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402


def idx(path):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    dims = raw[3]
    shape = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def load(directory):
    def images(name):
        return torch.from_numpy(idx(os.path.join(directory, name)).astype(np.float32) / 255).unsqueeze(1)

    def labels(name):
        return torch.from_numpy(idx(os.path.join(directory, name)).astype(np.int64))

    return (images("train-images-idx3-ubyte.gz"), labels("train-labels-idx1-ubyte.gz"),
            images("t10k-images-idx3-ubyte.gz"), labels("t10k-labels-idx1-ubyte.gz"))


def network():
    def bn(c):
        return nn.BatchNorm2d(c, eps=1e-3, momentum=0.01)

    net = nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), bn(32), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), bn(64), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(64 * 7 * 7, 128), nn.ReLU(), nn.Dropout(0.3), nn.Linear(128, 10))
    for m in net.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            nn.init.xavier_uniform_(m.weight)  # Keras's glorot_uniform: same fans
            nn.init.zeros_(m.bias)
    return net


def evaluate(net, x, y, batch):
    net.eval()
    loss, correct = 0.0, 0
    with torch.no_grad():
        for i in range(0, len(x), batch):
            out = net(x[i:i + batch])
            loss += nn.functional.cross_entropy(out, y[i:i + batch], reduction="sum").item()
            correct += (out.argmax(1) == y[i:i + batch]).sum().item()
    return loss / len(x), correct / len(x)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--limit", type=int, default=0, help="train on the first N training images only (0: all but the validation part)")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    x, y, x_test, y_test = load(args.data)
    n = len(x) - 6000
    x_val, y_val = x[n:], y[n:]
    if 0 < args.limit < n:
        n = args.limit
    x_fit, y_fit = x[:n], y[:n]
    net = network()
    opt = torch.optim.Adam(net.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-7)
    plateau = torch.optim.lr_scheduler.ReduceLROnPlateau(
        opt, mode="min", factor=0.5, patience=2, threshold=1e-4, threshold_mode="abs")
    shuffle = torch.Generator().manual_seed(args.seed)
    seconds = []
    for epoch in range(args.epochs):
        start = time.perf_counter()
        net.train()
        order = torch.randperm(n, generator=shuffle)
        total, correct, seen = 0.0, 0, 0
        for i in range(0, n, args.batch):
            idx_ = order[i:i + args.batch]
            xb, yb = x_fit[idx_], y_fit[idx_]
            opt.zero_grad(set_to_none=True)
            out = net(xb)
            loss = nn.functional.cross_entropy(out, yb)
            loss.backward()
            opt.step()
            total += loss.item() * len(yb)
            correct += (out.argmax(1) == yb).sum().item()
            seen += len(yb)
        val_loss, val_acc = evaluate(net, x_val, y_val, args.batch)
        plateau.step(val_loss)
        seconds.append(time.perf_counter() - start)
        print(f"Epoch {epoch + 1}/{args.epochs} - {seconds[-1]:.1f}s - loss: {total / seen:.4f} - "
              f"accuracy: {correct / seen:.4f} - val_loss: {val_loss:.4f} - val_accuracy: {val_acc:.4f}",
              flush=True)
    _, test_acc = evaluate(net, x_test, y_test, args.batch)
    print(f"test accuracy: {test_acc:.4f}")
    print(f"RESULT seconds_per_epoch={sum(seconds) / len(seconds):.2f} test_accuracy={test_acc:.4f}")


if __name__ == "__main__":
    main()
