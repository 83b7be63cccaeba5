"""Keras's ImageDataGenerator against gotl's on the same JPEGs, alternating; see datagen.sh."""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import warnings


def make_images(root, classes, per_class, seed):
    """classes × per_class photo-like JPEGs (quality 90, 4:2:0) of mixed sizes 200–640 × 150–480."""
    import numpy as np
    from PIL import Image
    rs = np.random.RandomState(seed)
    for k in range(classes):
        d = os.path.join(root, "class%02d" % k)
        os.makedirs(d, exist_ok=True)
        for i in range(per_class):
            w, h = rs.randint(200, 641), rs.randint(150, 481)
            yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
            img = np.empty((h, w, 3), np.float32)
            for c in range(3):
                fx, fy, ph = rs.uniform(0.005, 0.05), rs.uniform(0.005, 0.05), rs.uniform(0, 6)
                img[..., c] = 128 + 80 * np.sin(xx * fx + yy * fy + ph)
            x0, y0 = rs.randint(0, w // 2), rs.randint(0, h // 2)
            img[y0:y0 + h // 3, x0:x0 + w // 3] = rs.uniform(0, 255, 3)  # a flat object with sharp edges
            img += rs.normal(0, 12, img.shape)
            Image.fromarray(np.clip(img, 0, 255).astype(np.uint8)).save(os.path.join(d, "img%03d.jpg" % i), quality=90)


def keras_epoch(root, epochs):
    """Keras's images/s and CPU ms per image over epochs of the training subset."""
    from keras_preprocessing.image import ImageDataGenerator
    gen = ImageDataGenerator(rescale=1 / 255., width_shift_range=0.1, height_shift_range=0.1,
                             zoom_range=0.1, horizontal_flip=True, validation_split=0.3)
    it = gen.flow_from_directory(root, target_size=(224, 224), batch_size=32, subset="training", seed=1)
    n = 0
    t, c = time.perf_counter(), time.process_time()
    for _ in range(epochs):
        for i in range(len(it)):
            x, y = it[i]
            n += len(x)
        it.on_epoch_end()
    s = time.perf_counter() - t
    return n / s, 1000 * (time.process_time() - c) / n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gotl", required=True, help="the bench/datagen binary")
    ap.add_argument("--dir", required=True)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--classes", type=int, default=15)
    ap.add_argument("--per-class", type=int, default=40)
    a = ap.parse_args()
    warnings.simplefilter("ignore")
    if not os.path.isdir(a.dir) or not os.listdir(a.dir):
        print("making %d × %d JPEGs in %s" % (a.classes, a.per_class, a.dir), file=sys.stderr)
        make_images(a.dir, a.classes, a.per_class, 0)
    for root, _, files in os.walk(a.dir):  # warm the page cache for both
        for f in files:
            with open(os.path.join(root, f), "rb") as fh:
                fh.read()
    keras, gotl, kcpu, gcpu = [], [], [], []
    devnull = open(os.devnull, "w")
    for r in range(a.rounds):
        stdout, sys.stdout = sys.stdout, devnull  # Keras prints "Found ..."
        try:
            rate, cpu = keras_epoch(a.dir, a.epochs)
        finally:
            sys.stdout = stdout
        keras.append(rate)
        kcpu.append(cpu)
        out = json.loads(subprocess.run([a.gotl, "-dir", a.dir, "-epochs", str(a.epochs)], check=True,
                                        capture_output=True, text=True).stdout)
        gotl.append(out["images_per_second"])
        gcpu.append(out["cpu_ms_per_image"])
        print("round %d: keras %6.1f img/s (%5.2f ms CPU/img)   gotl %6.1f img/s (%5.2f ms CPU/img)   ratio %5.2f" % (
            r + 1, keras[-1], kcpu[-1], gotl[-1], gcpu[-1], gotl[-1] / keras[-1]), flush=True)
    mk, mg = statistics.median(keras), statistics.median(gotl)
    print()
    print("| 224×224, scene augmentation, batch 32, %d training images × %d epoch(s) | images/s (median of %d) | min – max | CPU ms/image (median) |" % (
        int(round(a.classes * a.per_class - a.classes * int(0.3 * a.per_class))), a.epochs, a.rounds))
    print("|---|---|---|---|")
    print("| Keras ImageDataGenerator (keras_preprocessing, 1 thread) | %.1f | %.1f – %.1f | %.2f |" % (mk, min(keras), max(keras), statistics.median(kcpu)))
    print("| gotl data.FlowFromDirectory (GOMAXPROCS=%s) | %.1f | %.1f – %.1f | %.2f |" % (os.environ.get("GOMAXPROCS", "all"), mg, min(gotl), max(gotl), statistics.median(gcpu)))
    print("| ratio gotl / Keras (medians) | %.2f× | | %.2f× less CPU |" % (mg / mk, statistics.median(kcpu) / statistics.median(gcpu)))
    print("load average at the end: %.1f %.1f %.1f" % os.getloadavg())


if __name__ == "__main__":
    main()
