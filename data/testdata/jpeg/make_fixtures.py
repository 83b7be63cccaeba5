"""Makes the JPEG decoder fixtures of package data (testdata/jpeg) and records PIL's pixels.

Run from this folder with Debian's /usr/bin/python3 (packages python3-pil python3-numpy
libjpeg-turbo-progs):  /usr/bin/python3 make_fixtures.py
Each case is a small photo-like image (NumPy RandomState(0)) encoded by libjpeg-turbo's
cjpeg with the options listed below (sampling, quality, restart interval, baseline or
16-bit tables, progressive with cjpeg's default script or the scan scripts scans-*.txt);
PIL's decoding of each JPEG (Image.open(...).load(), mode RGB or L, default
settings: islow IDCT, fancy upsampling) is stored losslessly beside it as NAME.pil.png (for
the 640x481 image only its SHA-256, to keep the fixtures small), and cases.json lists the
cases with the versions used. The corrupt-*.jpg files are not made here but found by
FuzzDecodeJPEG; only PIL's pixels for them are recorded. jpeg_test.go checks gotl against them.
"""
import hashlib
import json
import os
import subprocess

import numpy as np
import PIL
from PIL import Image, features

rs = np.random.RandomState(0)


def photo(h, w, c, noise):
    """Smooth gradients, a sharp edge and noise, uint8 (as in ../keras/keras_pixels.py)."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    out = np.zeros((h, w, c))
    for k in range(c):
        fx, fy, ph = rs.uniform(0.02, 0.3), rs.uniform(0.02, 0.3), rs.uniform(0, 6)
        out[..., k] = 128 + 100 * np.sin(xx * fx + yy * fy + ph)
    out[h // 3:, w // 2:, :] = 255 - out[h // 3:, w // 2:, :]
    out += rs.normal(0, noise, out.shape)
    return np.clip(out, 0, 255).astype(np.uint8)


# name, (height, width), components, noise, cjpeg options
CASES = [
    ("s444.jpg", (33, 17), 3, 12, ["-sample", "1x1", "-quality", "90"]),
    ("s422.jpg", (33, 17), 3, 12, ["-sample", "2x1", "-quality", "90"]),
    ("s420.jpg", (33, 17), 3, 12, ["-sample", "2x2", "-quality", "90"]),
    ("s440.jpg", (33, 17), 3, 12, ["-sample", "1x2", "-quality", "90"]),
    ("s2x1all.jpg", (19, 21), 3, 12, ["-sample", "2x1,2x1,2x1", "-quality", "85"]),
    ("gray.jpg", (33, 17), 1, 12, ["-grayscale", "-quality", "90"]),
    ("s420-1x1.jpg", (1, 1), 3, 12, ["-sample", "2x2", "-quality", "90"]),
    ("gray-1x1.jpg", (1, 1), 1, 12, ["-grayscale", "-quality", "90"]),
    ("s420-7x9-q100.jpg", (9, 7), 3, 12, ["-sample", "2x2", "-quality", "100"]),
    ("s440-7x9-q10.jpg", (9, 7), 3, 12, ["-sample", "1x2", "-quality", "10", "-baseline"]),
    ("s422-9x7.jpg", (7, 9), 3, 12, ["-sample", "2x1", "-quality", "75"]),
    ("s444-q100.jpg", (24, 31), 3, 20, ["-sample", "1x1", "-quality", "100"]),
    ("s420-q10.jpg", (40, 50), 3, 12, ["-sample", "2x2", "-quality", "10", "-baseline"]),
    # Quality 1 without -baseline: 16-bit quantization tables, an SOF1 (extended) frame.
    ("s420-q1-extended.jpg", (30, 26), 3, 12, ["-sample", "2x2", "-quality", "1"]),
    ("s420-rst1.jpg", (33, 47), 3, 12, ["-sample", "2x2", "-quality", "90", "-restart", "1B"]),
    ("s444-rst5.jpg", (33, 47), 3, 12, ["-sample", "1x1", "-quality", "90", "-restart", "5B"]),
    ("s422-rstrow.jpg", (33, 47), 3, 12, ["-sample", "2x1", "-quality", "80", "-restart", "1"]),
    ("gray-rst3.jpg", (33, 47), 1, 12, ["-grayscale", "-quality", "90", "-restart", "3B"]),
    ("s420-optimized.jpg", (33, 47), 3, 12, ["-sample", "2x2", "-quality", "95", "-optimize"]),
    ("s420-640x481.jpg", (481, 640), 3, 2, ["-sample", "2x2", "-quality", "30", "-restart", "7B"]),
    # Progressive (cjpeg's default script: successive approximation, interleaved DC scans,
    # non-interleaved AC scans whose block counts are not the MCU-padded ones).
    ("progressive.jpg", (33, 17), 3, 12, ["-sample", "2x2", "-quality", "90", "-progressive"]),
    ("prog-s444-7x9.jpg", (9, 7), 3, 12, ["-sample", "1x1", "-quality", "90", "-progressive"]),
    ("prog-s422-17x33.jpg", (33, 17), 3, 12, ["-sample", "2x1", "-quality", "85", "-progressive"]),
    ("prog-s440-17x33.jpg", (33, 17), 3, 12, ["-sample", "1x2", "-quality", "85", "-progressive"]),
    ("prog-s420-1x1.jpg", (1, 1), 3, 12, ["-sample", "2x2", "-quality", "90", "-progressive"]),
    ("prog-gray-17x33.jpg", (33, 17), 1, 12, ["-grayscale", "-quality", "90", "-progressive"]),
    ("prog-s420-rst1.jpg", (33, 47), 3, 12, ["-sample", "2x2", "-quality", "90", "-progressive", "-restart", "1"]),
    ("prog-s420-rst1b.jpg", (33, 47), 3, 12, ["-sample", "2x2", "-quality", "75", "-progressive", "-restart", "1B"]),
    ("prog-gray-rst3b.jpg", (21, 35), 1, 12, ["-grayscale", "-quality", "95", "-progressive", "-restart", "3B"]),
    ("prog-s420-q100.jpg", (24, 31), 3, 20, ["-sample", "2x2", "-quality", "100", "-progressive"]),
    # Scan scripts (scans-*.txt): DC and AC refinement, non-interleaved and partly
    # interleaved DC scans, bands split by spectral selection, Al up to 3.
    ("prog-s420-scans.jpg", (40, 50), 3, 12, ["-sample", "2x2", "-quality", "92", "-scans", "scans-ycc.txt"]),
    ("prog-s422-scans-rst.jpg", (26, 30), 3, 12, ["-sample", "2x1", "-quality", "80", "-scans", "scans-ycc.txt", "-restart", "2B"]),
    ("prog-gray-scans.jpg", (23, 29), 1, 12, ["-grayscale", "-quality", "97", "-scans", "scans-gray.txt"]),
    ("prog-s444-64x48.jpg", (48, 64), 3, 6, ["-sample", "1x1", "-quality", "70", "-progressive"]),
]

cases = []
for name, (h, w), c, noise, opts in CASES:
    arr = photo(h, w, c, noise)
    src = "/tmp/jpeg_fixture.pnm"
    Image.fromarray(arr[..., 0] if c == 1 else arr, "L" if c == 1 else "RGB").save(src)
    with open(name, "wb") as f:
        subprocess.run(["cjpeg", "-dct", "int", *opts, src], stdout=f, check=True)
    img = Image.open(name)
    img.load()
    case = {"file": name, "mode": img.mode, "width": w, "height": h, "cjpeg": opts}
    if w * h <= 4096:
        case["pil"] = name[:-4] + ".pil.png"
        img.save(case["pil"])
    else:  # too large to store: the SHA-256 of PIL's pixels (row-major, 1 or 3 bytes each)
        case["pil_sha256"] = hashlib.sha256(img.tobytes()).hexdigest()
    cases.append(case)
    os.remove(src)

# Inputs FuzzDecodeJPEG found (kept as they are): corrupt data that PIL decodes anyway, with
# coefficients beyond the valid range, an undefined AC symbol, a grey component with sampling
# factors, scan parameters that are not sequential ones.
for name in sorted(n for n in os.listdir(".") if n.startswith("corrupt-") and n.endswith(".jpg")):
    img = Image.open(name)
    img.load()
    case = {"file": name, "mode": img.mode, "width": img.width, "height": img.height,
            "pil": name[:-4] + ".pil.png"}
    img.save(case["pil"])
    cases.append(case)

with open("cases.json", "w") as f:
    json.dump({"pillow": PIL.__version__, "libjpeg_turbo": features.version("libjpeg_turbo"),
               "cjpeg": subprocess.run(["cjpeg", "-version"], capture_output=True, text=True).stderr.strip(),
               "cases": cases}, f, indent=1)
    f.write("\n")
