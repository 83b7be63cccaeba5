"""Records Keras's flow_from_directory on gotl's test tree, for data/keras_listing_test.go.

usage: /usr/bin/python3 keras_listing.py TREE OUT.json
TREE is written by `go test ./data -run TestWriteKerasTree -args -keras-tree=DIR` (DIR/classes).
For each configuration: class_indices, filenames, classes, and for every batch (shuffle off,
batch 32, categorical) its size, its labels (argmax) and the sum of each image's pixels
(target 12x10, nearest, rgb), which checks decoding of every format.
"""
import json
import sys
import warnings

import numpy as np
from keras_preprocessing.image import ImageDataGenerator

warnings.simplefilter("ignore")
tree, out = sys.argv[1], sys.argv[2]
configs = [
    {"name": "all", "subset": None, "follow_links": False},
    {"name": "training", "subset": "training", "follow_links": False},
    {"name": "validation", "subset": "validation", "follow_links": False},
    {"name": "follow_links", "subset": None, "follow_links": True},
    {"name": "given_classes", "subset": "validation", "follow_links": False, "classes": ["zebra", "B_upper", "x.ray"]},
]
results = []
for cfg in configs:
    gen = ImageDataGenerator(validation_split=0.3)
    it = gen.flow_from_directory(tree, target_size=(12, 10), batch_size=32, shuffle=False,
                                 class_mode="categorical", subset=cfg["subset"],
                                 follow_links=cfg["follow_links"], classes=cfg.get("classes"))
    batches = []
    for i in range(len(it)):
        x, y = it[i]
        batches.append({"size": int(len(x)), "labels": [int(v) for v in y.argmax(axis=1)],
                        "pixel_sums": [int(round(float(v))) for v in x.reshape(len(x), -1).astype(np.float64).sum(axis=1)]})
    results.append({"config": cfg, "class_indices": it.class_indices, "filenames": it.filenames,
                    "classes": [int(c) for c in it.classes], "batches": batches})
with open(out, "w") as f:
    json.dump(results, f, indent=0, ensure_ascii=False)
