"""Records Keras's image loading and transforms on small images, for data/keras_pixels_test.go.

Run with Debian's /usr/bin/python3 (packages python3-keras-preprocessing python3-pil
python3-scipy python3-numpy) from this folder:  /usr/bin/python3 keras_pixels.py
It writes the source images under pixels/ (deterministic: NumPy RandomState(0)), then
pixels.json (one entry per case: what was computed, dtype, shape, offset) and pixels.bin
(the arrays, little-endian, concatenated).
"""
import json
import os
import sys

import numpy as np
import PIL
import scipy
from PIL import Image
import keras_preprocessing
from keras_preprocessing.image import ImageDataGenerator, img_to_array, load_img

rs = np.random.RandomState(0)
os.makedirs("pixels", exist_ok=True)


def smooth(h, w, c):
    """A photo-like test image: smooth gradients, a sharp edge and noise, uint8."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    out = np.zeros((h, w, c))
    for k in range(c):
        fx, fy, ph = rs.uniform(0.1, 0.6), rs.uniform(0.1, 0.6), rs.uniform(0, 6)
        out[..., k] = 128 + 90 * np.sin(xx * fx + yy * fy + ph)
    out[h // 3:, w // 2:, :] = 255 - out[h // 3:, w // 2:, :]
    out += rs.normal(0, 12, out.shape)
    return np.clip(out, 0, 255).astype(np.uint8)


sources = {}


def save(name, img, **kw):
    path = os.path.join("pixels", name)
    img.save(path, **kw)
    sources[name] = path


save("rgb.png", Image.fromarray(smooth(19, 21, 3), "RGB"))
rgba = smooth(17, 15, 4)
rgba[..., 3] = np.linspace(0, 255, 17 * 15).reshape(17, 15).astype(np.uint8)
save("rgba.png", Image.fromarray(rgba, "RGBA"))
save("gray.png", Image.fromarray(smooth(16, 13, 1)[..., 0], "L"))
save("palette.png", Image.fromarray(smooth(12, 10, 3), "RGB").quantize(16))
save("gray16.png", Image.fromarray((smooth(9, 8, 1)[..., 0].astype(np.uint16) * 200), "I;16"))
photo = Image.fromarray(smooth(37, 45, 3), "RGB")
save("photo420.jpg", photo, quality=85)
save("photo422.jpg", photo, quality=90, subsampling=1)
save("photo444.jpg", photo, quality=90, subsampling=0)
save("photoprog.jpg", photo, quality=80, progressive=True)
save("gray.jpg", Image.fromarray(smooth(23, 18, 1)[..., 0], "L"), quality=90)
save("rgb.bmp", Image.fromarray(smooth(14, 11, 3), "RGB"))
save("rgb.ppm", Image.fromarray(smooth(10, 13, 3), "RGB"))
save("gray.pgm.ppm", Image.fromarray(smooth(10, 9, 1)[..., 0], "L"), format="PPM")
save("rgb.tif", Image.fromarray(smooth(12, 15, 3), "RGB"))
# Last, so that the images above keep their RandomState draws: large enough for Go's IDCT to
# reach its largest measured difference from libjpeg's (3 levels, see README.md).
save("photo64x80.jpg", Image.fromarray(smooth(64, 80, 3), "RGB"), quality=90)

cases = []
blob = bytearray()


def record(case, arr):
    arr = np.ascontiguousarray(arr)
    dtype = {np.dtype("uint8"): "u8", np.dtype("float32"): "f32"}[arr.dtype]
    case.update(dtype=dtype, shape=list(arr.shape), offset=len(blob))
    blob.extend(arr.astype(arr.dtype.newbyteorder("<")).tobytes())
    cases.append(case)


# load_img: decode, color conversion, resize.
interps = ["nearest", "bilinear", "bicubic", "lanczos", "box", "hamming"]
for interp in interps:
    for target in [(11, 14), (29, 23), (19, 40)]:
        img = load_img(sources["rgb.png"], color_mode="rgb", target_size=target, interpolation=interp)
        record({"kind": "load", "file": "rgb.png", "color_mode": "rgb", "target": list(target),
                "interpolation": interp}, np.asarray(img_to_array(img), dtype=np.uint8))
for name in sources:
    for mode in ["rgb", "grayscale", "rgba"]:
        for interp, target in [("nearest", None), ("nearest", (13, 10)), ("bilinear", (13, 10)), ("bicubic", (7, 25))]:
            img = load_img(sources[name], color_mode=mode, target_size=target, interpolation=interp)
            record({"kind": "load", "file": name, "color_mode": mode, "target": list(target or (0, 0)),
                    "interpolation": interp}, np.asarray(img_to_array(img), dtype=np.uint8))

# apply_transform with fixed parameters.
base = img_to_array(load_img(sources["rgb.png"]))  # (19, 21, 3) float32 0..255
gray = img_to_array(load_img(sources["gray.png"], color_mode="grayscale"))  # (16, 13, 1)
rgba4 = img_to_array(load_img(sources["rgba.png"], color_mode="rgba"))  # (17, 15, 4)
record({"kind": "input", "name": "rgb"}, base)
record({"kind": "input", "name": "gray"}, gray)
record({"kind": "input", "name": "rgba"}, rgba4)

params = {
    "rotate": {"theta": 17.0},
    "shift": {"tx": 3.3, "ty": -2.6},
    "shift_rows_only": {"tx": -4.0},
    "shear": {"shear": 12.0},
    "zoom": {"zx": 0.85, "zy": 1.2},
    "zoom_out": {"zx": 1.3, "zy": 1.3},
    "flip_h": {"flip_horizontal": True},
    "flip_v": {"flip_vertical": True},
    "channel_shift": {"channel_shift_intensity": 23.5},
    "brightness_dark": {"brightness": 0.7},
    "brightness_bright": {"brightness": 1.3},
    "combo": {"theta": -8.0, "tx": 1.5, "ty": 2.25, "shear": 5.0, "zx": 1.1, "zy": 0.9,
              "flip_horizontal": True, "channel_shift_intensity": -10.0},
    "combo_brightness": {"theta": 30.0, "tx": -2.0, "zx": 0.8, "zy": 0.95, "flip_vertical": True,
                         "brightness": 0.9},
}
fills = [("nearest", 0.0), ("constant", 17.0), ("reflect", 0.0), ("wrap", 0.0)]
for fill, cval in fills:
    gen = ImageDataGenerator(fill_mode=fill, cval=cval)
    for pname, p in params.items():
        if fill != "nearest" and pname in ("flip_h", "flip_v", "channel_shift", "brightness_dark", "brightness_bright"):
            continue  # no affine step: the fill mode does not matter
        for iname, x in [("rgb", base), ("gray", gray), ("rgba", rgba4)]:
            if iname != "rgb" and fill != "nearest":
                continue
            out = gen.apply_transform(x.copy(), dict(p))
            record({"kind": "transform", "input": iname, "fill_mode": fill, "cval": cval,
                    "params": p, "name": pname}, np.asarray(out, dtype=np.float32))

with open("pixels.bin", "wb") as f:
    f.write(bytes(blob))
with open("pixels.json", "w") as f:
    json.dump({"made_with": {"keras_preprocessing": keras_preprocessing.__version__, "PIL": PIL.__version__,
                             "scipy": scipy.__version__, "numpy": np.__version__,
                             "python": sys.version.split()[0]},
               "cases": cases}, f, indent=0)
print(len(cases), "cases,", len(blob), "bytes")
