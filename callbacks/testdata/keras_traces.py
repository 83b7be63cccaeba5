#!/usr/bin/python3
"""Runs tf.keras 2.8's own callback classes on scripted metric histories and writes what they
decide and print to keras_traces.json, the fixture of callbacks_test.go.

The classes are taken, unchanged, from keras-team/keras at tag v2.8.0 (keras/callbacks.py,
the tf.keras of TensorFlow 2.8) and run against small stand-ins for the model, the
optimizer's lr variable and TensorFlow's file and logging helpers, so no TensorFlow is
needed; only numpy (Debian's python3-numpy 1.24: numpy scalars promote as in TF 2.8's era).

    git clone --branch v2.8.0 --depth 1 https://github.com/keras-team/keras /tmp/keras-2.8
    /usr/bin/python3 keras_traces.py /tmp/keras-2.8/keras/callbacks.py > keras_traces.json
"""
import ast
import contextlib
import io
import json
import math
import os
import sys
import tempfile
import types

import numpy as np

CLASSES = ["EarlyStopping", "ReduceLROnPlateau", "ModelCheckpoint", "TerminateOnNaN",
           "LearningRateScheduler", "CSVLogger"]


class Callback:
    def __init__(self):
        self.model = None

    def set_model(self, model):
        self.model = model

    # Keras's Callback: no-op hooks; on_train_batch_end calls on_batch_end.
    def on_train_begin(self, logs=None): pass
    def on_train_end(self, logs=None): pass
    def on_epoch_begin(self, epoch, logs=None): pass
    def on_epoch_end(self, epoch, logs=None): pass
    def on_batch_end(self, batch, logs=None): pass

    def on_train_batch_end(self, batch, logs=None):
        self.on_batch_end(batch, logs=logs)


class LRVariable:
    def __init__(self, value):
        self.value = np.float32(value)


class Optimizer:
    def __init__(self, lr):
        self.lr = LRVariable(lr)


class Model:
    """Its weights are the index of the epoch that produced them."""

    def __init__(self, lr):
        self.optimizer = Optimizer(lr)
        self.stop_training = False
        self.weights_epoch = None
        self.saved = []
        self.distribute_strategy = None

    def get_weights(self):
        return [self.weights_epoch]

    def set_weights(self, w):
        self.weights_epoch = w[0]

    def save(self, filepath, overwrite=True, options=None):
        self.saved.append(filepath)

    save_weights = save


def stubs():
    backend = types.SimpleNamespace(
        get_value=lambda v: v.value if isinstance(v, LRVariable) else v,
        set_value=lambda v, x: setattr(v, "value", np.float32(x)))
    gfile = types.SimpleNamespace(exists=os.path.exists, GFile=open)
    tf = types.SimpleNamespace(
        train=types.SimpleNamespace(CheckpointOptions=lambda: None),
        saved_model=types.SimpleNamespace(SaveOptions=lambda: None),
        io=types.SimpleNamespace(gfile=gfile),
        Tensor=type("Tensor", (), {}))
    warnings = []
    logging = types.SimpleNamespace(warning=lambda *a: warnings.append(a[0] % a[1:]))
    import collections
    import csv
    ns = dict(
        np=np, tf=tf, backend=backend, logging=logging, Callback=Callback, csv=csv,
        collections=collections, os=os, re=__import__("re"),
        keras_export=lambda *a, **k: (lambda c: c),
        io_utils=types.SimpleNamespace(print_msg=print, path_to_string=lambda p: p),
        tf_utils=types.SimpleNamespace(sync_to_numpy_or_python_type=lambda x: x),
        distributed_file_utils=types.SimpleNamespace(
            write_filepath=lambda p, s: p, remove_temp_dir_with_filepath=lambda p, s: None))
    return ns


def load(path):
    tree = ast.parse(open(path).read())
    ns = stubs()
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name in CLASSES:
            exec(compile(ast.Module(body=[node], type_ignores=[]), path, "exec"), ns)
    return ns


SCHEDULES = {
    "halve_from_2": lambda epoch, lr: lr * 0.5 if epoch >= 2 else lr,
    "table": lambda epoch, lr: [0.1, 0.05, 0.01, 1e-05, 0.002][epoch],
}


def run(ns, case):
    """Drives one callback through the epochs of case, as fit does."""
    model = Model(case.get("lr", 0.001))
    args = dict(case.get("args", {}))
    if case["callback"] == "LearningRateScheduler":
        args["schedule"] = SCHEDULES[args["schedule"]]
    cb = ns[case["callback"]](**args)
    cb.set_model(model)
    out = io.StringIO()
    epochs = []
    with contextlib.redirect_stdout(out):
        cb.on_train_begin()
        for epoch, logs in enumerate(case["epochs"]):
            before = out.tell()
            cb.on_epoch_begin(epoch)
            for batch, loss in enumerate(case.get("batch_losses", {}).get(str(epoch), [])):
                cb.on_train_batch_end(batch, {"loss": loss})
                if model.stop_training:
                    break
            model.weights_epoch = epoch
            logs = dict(logs)
            if case.get("stop_at") == epoch:
                model.stop_training = True
            cb.on_epoch_end(epoch, logs)
            epochs.append({
                "stop": model.stop_training,
                "lr": float(model.optimizer.lr.value),
                "logs_lr": float(logs["lr"]) if "lr" in logs else None,
                "weights_epoch": model.weights_epoch,
                "saved": model.saved[-1] if model.saved and len(model.saved) > sum(1 for e in epochs if e["saved"]) else None,
                "output": out.getvalue()[before:],
            })
            if model.stop_training:
                break
        before = out.tell()
        cb.on_train_end()
    return {"results": epochs, "train_end_output": out.getvalue()[before:], "output": out.getvalue()}


def cases():
    nan, inf = float("nan"), float("inf")
    es = lambda **kw: dict(callback="EarlyStopping", args=dict(verbose=1, **kw))
    rl = lambda **kw: dict(callback="ReduceLROnPlateau", args=dict(verbose=1, **kw))
    mc = lambda **kw: dict(callback="ModelCheckpoint", args=dict(verbose=1, save_weights_only=True, **kw))
    vl = lambda *v: [{"loss": 2.0, "val_loss": x} for x in v]
    va = lambda *v: [{"loss": 2.0, "val_accuracy": x} for x in v]
    return [
        # KERAS.md §5.1: stops at epoch index 4, best epoch index 1.
        dict(name="es_patience3", **es(patience=3), epochs=vl(1.0, 0.9, 0.95, 0.96, 0.97, 0.5)),
        dict(name="es_restore", **es(patience=2, restore_best_weights=True), epochs=vl(1.0, 0.8, 0.9, 0.85, 0.7)),
        dict(name="es_restore_ran_out", **es(patience=5, restore_best_weights=True), epochs=vl(1.0, 0.8, 0.9)),
        dict(name="es_patience0", **es(patience=0), epochs=vl(1.0, 0.9, 0.8)),
        dict(name="es_min_delta_edge", **es(patience=1, min_delta=0.25), epochs=vl(1.0, 0.75, 0.7499, 0.5)),
        dict(name="es_min_delta_decimal", **es(patience=1, min_delta=0.1), epochs=vl(0.5, 0.4, 0.3, 0.2)),
        dict(name="es_baseline", **es(patience=2, baseline=0.5), epochs=vl(0.9, 0.8, 0.7, 0.4, 0.45, 0.46)),
        dict(name="es_max_accuracy", **es(monitor="val_accuracy", patience=1), epochs=va(0.5, 0.6, 0.6, 0.7)),
        dict(name="es_mode_min_on_accuracy", **es(monitor="val_accuracy", patience=1, mode="min"), epochs=va(0.5, 0.6, 0.4)),
        dict(name="es_nan", **es(patience=1), epochs=vl(1.0, nan, 0.5)),
        dict(name="es_missing_epochs", **es(patience=1), epochs=[{"loss": 1.0, "val_loss": 1.0}, {"loss": 0.9}, {"loss": 0.8, "val_loss": 1.1}]),
        # KERAS.md §5.3: reduction at epoch index 3.
        dict(name="rlr_patience2", **rl(patience=2), epochs=vl(1.0, 0.9, 0.9, 0.9, 0.9, 0.9)),
        dict(name="rlr_cooldown", **rl(patience=1, cooldown=2, factor=0.5), epochs=vl(1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.5, 0.6)),
        dict(name="rlr_min_lr", **rl(patience=1, factor=0.1, min_lr=1e-5), lr=0.001, epochs=vl(1.0, 1.0, 1.0, 1.0, 1.0)),
        dict(name="rlr_min_delta_edge", **rl(patience=1, min_delta=0.25), epochs=vl(1.0, 0.75, 0.7499, 0.5)),
        dict(name="rlr_min_delta_zero", **rl(patience=1, min_delta=0), epochs=vl(1.0, 0.9999999, 0.9999999)),
        dict(name="rlr_accuracy", **rl(monitor="val_accuracy", patience=1), epochs=va(0.5, 0.5, 0.6, 0.6)),
        dict(name="rlr_missing_epochs", **rl(patience=1), epochs=[{"loss": 1.0, "val_loss": 1.0}, {"loss": 0.9}, {"loss": 0.8, "val_loss": 1.1}]),
        dict(name="mc_every_epoch", **mc(filepath="w.{epoch:02d}-{val_loss:.2f}.npz"), epochs=vl(0.5678, 1.0, 0.25)),
        dict(name="mc_best_only", **mc(filepath="best-{epoch}.npz", save_best_only=True), epochs=vl(0.9, 0.95, 0.8, 0.8, inf)),
        dict(name="mc_best_accuracy", **mc(filepath="acc.npz", monitor="val_accuracy", save_best_only=True), epochs=va(0.5, 0.4, 0.75)),
        dict(name="mc_threshold", **mc(filepath="t.npz", save_best_only=True, initial_value_threshold=0.7), epochs=vl(0.9, 0.6, 0.65)),
        dict(name="mc_format", **mc(filepath="f-{epoch:>4}-{val_loss:+.3e}-{loss:08.3f}-{val_loss:.1%}-{loss:g}-{val_loss}.npz"), epochs=vl(0.000123456, 1234.5)),
        dict(name="lrs_halve", callback="LearningRateScheduler", args=dict(schedule="halve_from_2", verbose=1), epochs=vl(1, 1, 1, 1)),
        dict(name="lrs_table", callback="LearningRateScheduler", args=dict(schedule="table", verbose=1), epochs=vl(1, 1, 1, 1, 1)),
        dict(name="terminate_on_nan", callback="TerminateOnNaN", epochs=vl(1, 1), batch_losses={"0": [0.5, 0.4], "1": [0.3, nan, 0.2]}),
        dict(name="terminate_on_inf", callback="TerminateOnNaN", epochs=vl(1), batch_losses={"0": [0.5, inf]}),
    ]


def csv_case():
    """CSVLogger's file for three epochs, the last one stopping training without val_loss."""
    ns = load(sys.argv[1])
    d = tempfile.mkdtemp()
    path = os.path.join(d, "log.csv")
    cb = ns["CSVLogger"](path)
    model = Model(0.001)
    cb.set_model(model)
    logs = [{"loss": 0.5, "val_loss": 1 / 3, "accuracy": 0.25},
            {"loss": float("nan"), "val_loss": 1e-05, "accuracy": 1.0},
            {"loss": 123456789.0, "accuracy": 0.1}]
    cb.on_train_begin()
    for epoch, l in enumerate(logs):
        if epoch == 2:
            model.stop_training = True
        cb.on_epoch_end(epoch, dict(l))
    cb.on_train_end()
    return {"epochs": logs, "file": open(path, newline="").read()}


def portable(x):
    """JSON has no NaN or infinities: they are written as the strings "nan", "inf", "-inf"."""
    if isinstance(x, float) and not math.isfinite(x):
        return str(x)
    if isinstance(x, dict):
        return {k: portable(v) for k, v in x.items()}
    if isinstance(x, list):
        return [portable(v) for v in x]
    return x


def main():
    ns = load(sys.argv[1])
    out = []
    for case in cases():
        with tempfile.TemporaryDirectory() as d:
            os.chdir(d)
            out.append(dict(case, **run(ns, case)))
    json.dump(portable({"cases": out, "csv": csv_case()}), sys.stdout, indent=1, allow_nan=False)
    print()


if __name__ == "__main__":
    main()
