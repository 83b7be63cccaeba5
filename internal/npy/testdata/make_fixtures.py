"""Writes the numpy fixtures in this folder; see README.md. Run from this folder:

    /usr/bin/python3 make_fixtures.py

Every value is a formula that the Go tests recompute, so the fixtures need no golden copy.
"""
import numpy as np
from numpy.lib import format as npformat


def arange(shape, dtype, scale=1):
    n = int(np.prod(shape))
    return (np.arange(n, dtype=dtype) / np.array(scale, dtype=dtype)).reshape(shape)


def save(name, array, version=None):
    with open(name, "wb") as f:
        npformat.write_array(f, array, version=version)


# float32, as np.save writes it: the Go writer must reproduce these bytes exactly.
np.save("f4_2x3.npy", arange((2, 3), "<f4") - np.float32(1.5))
np.save("f4_kernel.npy", arange((3, 3, 2, 4), "<f4", 7))
np.save("f4_scalar.npy", np.float32(3.25))
np.save("f4_empty.npy", np.zeros((0, 4), "<f4"))

# Other header versions and byte orders.
save("f8_v2.npy", arange((2, 5), "<f8", 3), version=(2, 0))
save("f4_v3.npy", arange((4,), "<f4", 7), version=(3, 0))
np.save("be_f4.npy", arange((3, 2), ">f4", 7))
np.save("be_i8.npy", np.array([0, 1, -2, 1 << 40], ">i8"))

# Other element types a user's inputs or labels may have.
np.save("i8_labels.npy", np.array([0, 1, 2, 9, -3], "<i8"))
np.save("i4.npy", np.array([[-7, 0], [2**24, 5]], "<i4"))
np.save("u1_image.npy", np.arange(12, dtype="u1").reshape(2, 2, 3) * 21)
np.save("bool.npy", np.array([True, False, True]))
np.save("f2.npy", np.array([1.5, -0.0, 65504, np.inf, 2.0**-24, -(2.0**-14)], "<f2"))

# Valid numpy files that gotl refuses.
np.save("fortran.npy", np.asfortranarray(arange((2, 3), "<f4")))
np.save("complex.npy", np.array([1 + 2j], "<c8"))
np.save("structured.npy", np.zeros(2, dtype=[("a", "<f4"), ("b", "<i4")]))

# Archives: entry names with slashes, as gotl's weight files use them.
weights = {
    "dense/kernel": arange((3, 2), "<f4", 7),
    "dense/bias": np.array([0.5, -0.25], "<f4"),
    "conv/kernel": arange((1, 1, 2, 3), "<f4", 3),
}
np.savez("savez.npz", **weights)
np.savez_compressed("savez_compressed.npz", **weights, labels=np.array([3, 1, 4], "<i8"))
