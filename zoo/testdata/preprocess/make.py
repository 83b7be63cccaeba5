"""Writes x.npy and caffe.npy, tf.npy, torch.npy: a float32 batch (2, 3, 5, 3) of RGB values
in [0, 255] (integers and fractions) and keras_applications 1.0.8's
imagenet_utils.preprocess_input of it in each mode (channels_last).

    /usr/bin/python3 zoo/testdata/preprocess/make.py      # from the repository root
"""
import os
import types

import numpy as np
from keras_applications import imagenet_utils

here = os.path.dirname(os.path.abspath(__file__))
backend = types.SimpleNamespace(floatx=lambda: "float32", image_data_format=lambda: "channels_last")
rng = np.random.RandomState(7)
x = (rng.randint(0, 256, size=(2, 3, 5, 3)) + rng.choice([0, 0.25, 0.5, 0.7], size=(2, 3, 5, 3))).astype(np.float32)
x[0, 0, 0] = [0, 127.5, 255]
np.save(os.path.join(here, "x.npy"), x)
for mode in ("caffe", "tf", "torch"):
    y = imagenet_utils.preprocess_input(x.copy(), data_format="channels_last", mode=mode,
                                        backend=backend, layers=None, models=None, utils=None)
    assert y.dtype == np.float32, y.dtype
    np.save(os.path.join(here, mode + ".npy"), np.ascontiguousarray(y))
