#!/usr/bin/env python3
"""Convert a Keras HDF5 weight file into gotl's weight layout.

    python3 tools/keras2npy.py resnet101_weights_tf_dim_ordering_tf_kernels_notop.h5 resnet101-notop/
    python3 tools/keras2npy.py --npz vgg16_weights_tf_dim_ordering_tf_kernels.h5 vgg16.npz
    python3 tools/keras2npy.py --layers list.json weights.h5 out/      # list from `gotl layers`

Reads the ImageNet weight files keras.applications publishes (with and without the top) and
files written by Keras's save_weights / save (HDF5): the root attribute layer_names, each
layer group's weight_names attribute, each weight a (nested) dataset at group[weight_name]
(team docs KERAS.md §1.5, §7.4-7.5). Writes OUT/<layer>/<variable>.npy (float32, C order,
Keras shapes), or with --npz one archive with the entries "<layer>/<variable>.npy", which
gotl's LoadWeights and zoo.Config.Weights read by name.

The file's layers are matched with the model's layer list by ORDER, as Keras's
load_weights does: the k-th layer with weights in the file is the k-th layer with weights in
Keras's model.layers order. Every layer's number of arrays and every shape must agree; the
variable names come from the list, so Keras-1 spellings (block1_conv1_W_1:0) need no special
case. Layer names must agree too, except for Keras's automatic names (conv2d_17,
batch_normalization_3, ...), which depend on the session that saved the file: that is how
InceptionResNetV2's 203 unnamed conv/BN pairs are matched. --by-order accepts any names.

The layer list is a "gotl-layers/1" JSON (Go: zoo.Layers; `gotl layers -model NAME ...`).
Without --layers the lists of tools/zoo_layers/ (the nine zoo models with the top, at the
default size) are tried, each with and without its top layers, and the one that fits the
file is used (--model NAME restricts the search).

Needs Python 3, numpy and h5py only (Debian: python3-numpy python3-h5py); no TensorFlow.
"""

import argparse
import glob
import json
import os
import re
import shutil
import sys
import tempfile

import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
LISTS = os.path.join(HERE, "zoo_layers")

# Keras's automatic layer names: the snake_case class and an optional counter.
AUTO_NAME = re.compile(
    r"^(conv2d|batch_normalization|activation|max_pooling2d|average_pooling2d|"
    r"global_average_pooling2d|global_max_pooling2d|dense|flatten|dropout|zero_padding2d|"
    r"add|concatenate|lambda|input)(_\d+)?$")


class ConvertError(Exception):
    pass


def _text(v):
    return v.decode("utf-8") if isinstance(v, (bytes, np.bytes_)) else str(v)


def read_h5(path):
    """Returns [(layer name, [(weight name, array)])] for the layers with weights, in file order."""
    try:
        f = h5py.File(path, "r")
    except OSError as e:
        raise ConvertError("%s: not a readable HDF5 file (%s)" % (path, e))
    with f:
        g = f["model_weights"] if "model_weights" in f else f  # model.save() files nest the weights
        if "layer_names" not in g.attrs:
            raise ConvertError("%s: no layer_names attribute: not a Keras HDF5 weight file" % path)
        layers = []
        for name in (_text(n) for n in g.attrs["layer_names"]):
            if name not in g:
                raise ConvertError("%s: layer_names lists %r, which has no group" % (path, name))
            group = g[name]
            weight_names = [_text(w) for w in group.attrs.get("weight_names", [])]
            if not weight_names:
                continue
            arrays = []
            for w in weight_names:
                if w not in group:
                    raise ConvertError("%s: layer %r lists weight %r, which is not in the file" % (path, name, w))
                arrays.append((w, np.asarray(group[w][()])))
            layers.append((name, arrays))
    return layers


def load_list(path):
    with open(path) as f:
        data = json.load(f)
    if data.get("format") != "gotl-layers/1":
        raise ConvertError("%s: format %r, want gotl-layers/1" % (path, data.get("format")))
    return data


def variants(data, source):
    """Yields (description, layers) for a list: as it is, and without its top layers."""
    layers = data["layers"]
    yield "%s (%s)" % (data["model"], "include_top=True" if data.get("include_top") else source), layers
    if any(l.get("top") for l in layers):
        yield "%s (include_top=False)" % data["model"], [l for l in layers if not l.get("top")]


def shapes_of_file(file_layers):
    return [[list(a.shape) for _, a in arrays] for _, arrays in file_layers]


def shapes_of_list(layers):
    return [[list(v["shape"]) for v in l["variables"]] for l in layers]


def first_mismatch(file_layers, layers):
    fs, ls = shapes_of_file(file_layers), shapes_of_list(layers)
    for k, (a, b) in enumerate(zip(fs, ls)):
        if a != b:
            return "layer %d: the file's %r has shapes %s, the model's %r %s" % (
                k, file_layers[k][0], a, layers[k]["name"], b)
    if len(fs) != len(ls):
        return "the file has %d layers with weights, the model %d" % (len(fs), len(ls))
    return None


def choose(file_layers, candidates):
    fits = [(desc, layers) for desc, layers in candidates if first_mismatch(file_layers, layers) is None]
    if len(fits) == 1:
        return fits[0]
    if len(fits) > 1:
        raise ConvertError("the file fits several models (%s); name one with --model or --layers" %
                           ", ".join(d for d, _ in fits))
    lines = ["the file's %d layers with weights (%d arrays) fit no model:" % (
        len(file_layers), sum(len(a) for _, a in file_layers))]
    for desc, layers in candidates:
        lines.append("  %s: %s" % (desc, first_mismatch(file_layers, layers)))
    raise ConvertError("\n".join(lines))


def match_names(file_layers, layers, by_order):
    """Checks the layer names pairwise; returns how many automatic names differ."""
    renamed = 0
    for k, ((fname, _), l) in enumerate(zip(file_layers, layers)):
        if fname == l["name"]:
            continue
        if by_order or (AUTO_NAME.match(fname) and AUTO_NAME.match(l["name"])):
            renamed += 1
            continue
        raise ConvertError("layer %d with weights: the file's %r is the model's %r; not the same layer "
                           "(--by-order matches by position whatever the names)" % (k, fname, l["name"]))
    return renamed


def write(out, entries, npz, force):
    """Writes [(key, float32 array)] atomically to a directory or an .npz archive."""
    out = os.path.abspath(out)
    parent = os.path.dirname(out)
    os.makedirs(parent, exist_ok=True)
    if os.path.exists(out) and not force:
        raise ConvertError("%s exists (--force replaces it)" % out)
    if npz:
        fd, tmp = tempfile.mkstemp(prefix=".keras2npy-", suffix=".npz", dir=parent)
        try:
            with os.fdopen(fd, "wb") as f:
                np.savez(f, **dict(entries))
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, out)
        except BaseException:
            if os.path.exists(tmp):
                os.remove(tmp)
            raise
        return
    tmp = tempfile.mkdtemp(prefix=".keras2npy-", dir=parent)
    try:
        for key, a in entries:
            path = os.path.join(tmp, *key.split("/")) + ".npy"
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as f:
                np.save(f, a)
                f.flush()
                os.fsync(f.fileno())
        old = None
        if os.path.exists(out):
            old = tempfile.mkdtemp(prefix=".keras2npy-old-", dir=parent)
            os.rmdir(old)
            os.rename(out, old)
        os.rename(tmp, out)
        if old:
            shutil.rmtree(old) if os.path.isdir(old) else os.remove(old)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def convert(h5, out, layers_json=None, model=None, npz=None, force=False, by_order=False):
    file_layers = read_h5(h5)
    if not file_layers:
        raise ConvertError("%s: no layer has weights" % h5)
    if layers_json:
        candidates = list(variants(load_list(layers_json), os.path.basename(layers_json)))
    else:
        paths = sorted(glob.glob(os.path.join(LISTS, "*.json")))
        if model:
            paths = [p for p in paths if os.path.basename(p) == model + ".json"]
            if not paths:
                known = sorted(os.path.basename(p)[:-5] for p in glob.glob(os.path.join(LISTS, "*.json")))
                raise ConvertError("no layer list for model %r (known: %s)" % (model, ", ".join(known)))
        candidates = [v for p in paths for v in variants(load_list(p), "")]
    desc, layers = choose(file_layers, candidates)
    renamed = match_names(file_layers, layers, by_order)
    entries = []
    converted_dtypes = set()
    for (_, arrays), l in zip(file_layers, layers):
        for (_, a), v in zip(arrays, l["variables"]):
            if a.dtype != np.float32:
                converted_dtypes.add(str(a.dtype))
            entries.append(("%s/%s" % (l["name"], v["name"]), np.ascontiguousarray(a, dtype="<f4")))
    if npz is None:
        npz = out.endswith(".npz")
    write(out, entries, npz, force)
    params = sum(a.size for _, a in entries)
    note = ""
    if renamed:
        note += "; %d layers matched by position under other names" % renamed
    if converted_dtypes:
        note += "; converted %s to float32" % ", ".join(sorted(converted_dtypes))
    return "%s: %d layers, %d arrays, %s parameters as %s -> %s%s" % (
        h5, len(layers), len(entries), format(params, ","), desc, out, note)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog="See the module docstring (head -40 tools/keras2npy.py) for the rules.")
    p.add_argument("h5", help="Keras HDF5 weight file")
    p.add_argument("out", help="output directory, or .npz archive")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--model", help="zoo model name (resnet101, inception_resnet_v2, vgg16, ...): "
                   "use its list from tools/zoo_layers/")
    g.add_argument("--layers", help="gotl-layers/1 JSON of the model (gotl layers -model NAME ...)")
    p.add_argument("--npz", action="store_true", default=None, help="write an .npz archive (default: when OUT ends in .npz)")
    p.add_argument("--force", action="store_true", help="replace OUT if it exists")
    p.add_argument("--by-order", action="store_true", help="match layers by position whatever their names")
    args = p.parse_args(argv)
    try:
        print(convert(args.h5, args.out, args.layers, args.model, args.npz, args.force, args.by_order))
    except ConvertError as e:
        print("keras2npy: %s" % e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
