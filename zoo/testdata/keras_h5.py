"""Writes a Keras HDF5 weight file from a gotl weights directory, for the keras2npy tests.

    python3 keras_h5.py SRC_DIR LAYERS.json OUT.h5 [--rename-auto N] [--keras1] [--model-weights]
                        [--rename OLD=NEW] [--empty NAME ...]

The layout is Keras's save_weights (KERAS.md §1.5): root attributes layer_names (bytes,
model.layers order), backend, keras_version; one group per layer, created in sorted-name order,
with the attribute weight_names; each weight a dataset at group[weight_name], so "conv2d/kernel:0"
is nested as conv2d/conv2d/kernel:0. Layers of LAYERS.json without files in SRC_DIR (a model
saved without its top) are left out.

--rename-auto N  renames Keras's automatic names as another session would number them
                 (conv2d_3 -> conv2d_{3+N}, conv2d -> conv2d_N)
--keras1         Keras-1 weight names, as the 2016 VGG files have them (block1_conv1_W_1:0,
                 block1_conv1_b_1:0; BatchNormalization gamma/beta/running_mean/running_std)
--model-weights  nest everything under a model_weights group, as model.save() does
--rename OLD=NEW renames one layer in the file
--empty NAME     lists a layer without weights (an InputLayer, an Activation) first
"""
import argparse
import json
import os
import re

import h5py
import numpy as np

AUTO = re.compile(r"^(conv2d|batch_normalization|activation|max_pooling2d|dense|global_average_pooling2d)(?:_(\d+))?$")
KERAS1 = {"kernel": "W", "bias": "b", "gamma": "gamma", "beta": "beta",
          "moving_mean": "running_mean", "moving_variance": "running_std"}

p = argparse.ArgumentParser()
p.add_argument("src")
p.add_argument("layers")
p.add_argument("out")
p.add_argument("--rename-auto", type=int, default=0)
p.add_argument("--keras1", action="store_true")
p.add_argument("--model-weights", action="store_true")
p.add_argument("--rename", action="append", default=[])
p.add_argument("--empty", action="append", default=[])
args = p.parse_args()
renames = dict(r.split("=", 1) for r in args.rename)


def file_name(name):
    if name in renames:
        return renames[name]
    m = AUTO.match(name)
    if args.rename_auto and m:
        k = int(m.group(2) or 0) + args.rename_auto
        return "%s_%d" % (m.group(1), k)
    return name


layers = []
for l in json.load(open(args.layers))["layers"]:
    files = [os.path.join(args.src, l["name"], v["name"] + ".npy") for v in l["variables"]]
    if not all(os.path.exists(f) for f in files):
        continue
    name = file_name(l["name"])
    weights = []
    for v, f in zip(l["variables"], files):
        w = "%s_%s_1:0" % (name, KERAS1[v["name"]]) if args.keras1 else "%s/%s:0" % (name, v["name"])
        weights.append((w, np.load(f)))
    layers.append((name, weights))
layers = [(n, []) for n in args.empty] + layers

with h5py.File(args.out, "w") as f:
    g = f.create_group("model_weights") if args.model_weights else f
    g.attrs["layer_names"] = np.array([n.encode() for n, _ in layers])
    g.attrs["backend"] = b"tensorflow"
    g.attrs["keras_version"] = b"2.8.0"
    for name, weights in sorted(layers, key=lambda l: l[0]):
        group = g.create_group(name)
        group.attrs["weight_names"] = np.array([w.encode() for w, _ in weights], dtype="S")
        for w, a in weights:
            group.create_dataset(w, data=a)
