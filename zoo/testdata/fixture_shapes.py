"""Writes fixture_shapes.json: for every golden fixture (internal/golden/testdata/index.json),
each layer's output shape at the fixture's size, as the reference harness's arch.py computes it
(keras_applications 1.0.8 through the kshim Keras stand-in, tf.keras names).

    /usr/bin/python3 zoo/testdata/fixture_shapes.py /work/shared/reference   # from the repo root
"""
import json
import os
import subprocess
import sys
import tempfile

here = os.path.dirname(os.path.abspath(__file__))
reference = sys.argv[1]
index = json.load(open(os.path.join(here, "..", "..", "internal", "golden", "testdata", "index.json")))
out = {}
with tempfile.TemporaryDirectory() as tmp:
    for f in index["fixtures"]:
        args = [sys.executable, os.path.join(reference, "arch.py"), "--model", f["model"],
                "--size", "%d,%d" % tuple(f["size"]), "--out", os.path.join(tmp, "a.json")]
        if f["include_top"]:
            args += ["--include-top"]
            if f["classes"] is not None:
                args += ["--classes", str(f["classes"])]
        else:
            args += ["--pooling", f["pooling"] or "none"]
        subprocess.run(args, check=True, stdout=subprocess.DEVNULL)
        arch = json.load(open(os.path.join(tmp, "a.json")))
        out[f["name"]] = [[l["name"], l["output_shape"][1:]] for l in arch["layers"]]
with open(os.path.join(here, "fixture_shapes.json"), "w") as w:
    json.dump({"generator": "zoo/testdata/fixture_shapes.py (reference arch.py)", "fixtures": out}, w, separators=(",", ":"))
    w.write("\n")
