#!/usr/bin/python3
"""Single-layer reference cases for `gotl predict` (cmd/gotl/testdata/refcases).

Each case is a tiny Keras model (one layer after the input, or a few branches merged by
one Add or Concatenate) described by its tf.keras 2.8 model.to_json(), random float32
weights and input, and the output computed in float64 with TensorFlow semantics:

    OUT/<case>/model.json                  tf.keras 2.8 model.to_json()
    OUT/<case>/weights/<layer>/<var>.npy   float32, C order, Keras shapes
    OUT/<case>/input.npy                   float32 (NHWC, or (N, features) for Dense)
    OUT/<case>/output.npy                  float32 (computed in float64)
    OUT/manifest.json                      the cases, their shapes and statistics

The models, the JSON and the numerics come from the shared keras.applications reference
harness (shared/reference: the symbolic Keras shim `kshim`, `refcore.kerasjson`,
`refcore.execute`), imported from --reference; nothing of it is copied here. Run with
Debian's interpreter (python3-numpy, python3-torch):

    /usr/bin/python3 tools/refcases.py --reference /work/shared/reference \
        --out cmd/gotl/testdata/refcases

The output is a pure function of --seed and the case list: each case draws from its own
numpy RandomState seeded by (seed, crc32(case name)), so adding a case changes no other.
"""
import argparse
import hashlib
import json
import os
import platform
import shutil
import sys
import zlib

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_REFERENCE = os.environ.get('GOTL_REFERENCE', '/work/shared/reference')
DEFAULT_OUT = os.path.join(REPO, 'cmd', 'gotl', 'testdata', 'refcases')
DEFAULT_SEED = 20240611

# The check the Go test applies (bar 3 of issue 2).
TOLERANCE = 'max|got - want| <= 1e-5 * max|want|'

# Weight distributions. Wider than he-bn-v1's so that every term is visible at 1e-5:
# biases and BN shifts of order 0.5, and moving variances down to 0.005, where the two
# Keras epsilons (1e-3 and 1.001e-5) give outputs 10 % apart.
WEIGHTS = {
    'kernel': 'N(0, sqrt(2/fan_in)), fan_in = prod(shape[:-1])',
    'bias': 'N(0, 0.5)',
    'gamma': 'U(0.5, 1.5)',
    'beta': 'N(0, 0.5)',
    'moving_mean': 'N(0, 0.5)',
    'moving_variance': 'U(0.005, 2)',
    'input': 'N(0, 1)',
}

# ------------------------------------------------------------------------ the cases
# A case is (name, description, batch, input shape without the batch, build), where
# build(L, x) calls kshim layers on the input tensor x and returns the output tensor.
ODD, EVEN = (7, 9), (8, 10)


def conv(filters, kernel, **kw):
    return lambda L, x: L.Conv2D(filters, kernel, **kw)(x)


def single(cls, *args, **kw):
    return lambda L, x: getattr(L, cls)(*args, **kw)(x)


def add3(L, x):
    a = L.Conv2D(3, 3, padding='same')(x)
    r = L.Activation('relu')(x)
    return L.Add()([x, r, a])


def add2(L, x):
    a = L.Conv2D(4, 1)(x)
    b = L.Conv2D(4, 3, padding='same', use_bias=False)(x)
    return L.Add()([a, b])


def concatenate(axis):
    def build(L, x):
        a = L.Conv2D(2, 1)(x)
        b = L.Conv2D(3 if axis == -1 else 2, 3, padding='same')(x)
        kw = {} if axis == -1 else {'axis': axis}
        return L.Concatenate(**kw)([a, b])
    return build


def concatenate3(L, x):
    a = L.Conv2D(2, 1)(x)
    b = L.Activation('tanh')(x)
    return L.Concatenate()([b, a, x])


def flatten_dense(L, x):
    return L.Dense(5, activation='softmax')(L.Flatten()(x))


def cases():
    out = []

    def case(name, desc, shape, build, batch=2):
        out.append((name, desc, batch, shape, build))

    # Conv2D: padding x stride x input parity x kernel size.
    for padding in ('valid', 'same'):
        for stride in (1, 2, 3):
            for parity, hw in (('odd', ODD), ('even', EVEN)):
                for k in (1, 3, 5):
                    case('conv2d_%s_s%d_k%d_%s' % (padding, stride, k, parity),
                         'Conv2D(4, %d, strides=%d, padding=%r) on %dx%dx3'
                         % (k, stride, padding, hw[0], hw[1]),
                         hw + (3,), conv(4, k, strides=stride, padding=padding))
    for padding in ('valid', 'same'):
        case('conv2d_%s_dilation2' % padding,
             'Conv2D(4, 3, dilation_rate=2, padding=%r) on 9x8x3' % padding,
             (9, 8, 3), conv(4, 3, dilation_rate=2, padding=padding))
        case('conv2d_%s_dilation_2x3_k3x2' % padding,
             'Conv2D(3, (3, 2), dilation_rate=(2, 3), padding=%r) on 8x9x2' % padding,
             (8, 9, 2), conv(3, (3, 2), dilation_rate=(2, 3), padding=padding))
        case('conv2d_%s_k2_s1' % padding,
             'Conv2D(3, 2, padding=%r) (even kernel: TF same pads bottom/right) on 7x6x3'
             % padding, (7, 6, 3), conv(3, 2, padding=padding))
        case('conv2d_%s_k4_s2' % padding,
             'Conv2D(3, 4, strides=2, padding=%r) on 9x10x2' % padding,
             (9, 10, 2), conv(3, 4, strides=2, padding=padding))
        case('conv2d_%s_k3x5_s1x2' % padding,
             'Conv2D(5, (3, 5), strides=(1, 2), padding=%r) on 7x9x3' % padding,
             (7, 9, 3), conv(5, (3, 5), strides=(1, 2), padding=padding))
    case('conv2d_nobias', 'Conv2D(4, 3, use_bias=False, padding=\'same\') on 7x9x3',
         (7, 9, 3), conv(4, 3, use_bias=False, padding='same'))
    case('conv2d_cin1_k5_same', 'Conv2D(6, 5, padding=\'same\') on 7x7x1',
         (7, 7, 1), conv(6, 5, padding='same'))
    case('conv2d_cin17_k3_s2', 'Conv2D(9, 3, strides=2) on 5x6x17 (channels not a multiple of 8)',
         (5, 6, 17), conv(9, 3, strides=2))
    for act in ('relu', 'sigmoid', 'tanh', 'softmax', 'linear'):
        case('conv2d_%s' % act, 'Conv2D(4, 3, padding=\'same\', activation=%r) on 7x9x3' % act,
             (7, 9, 3), conv(4, 3, padding='same', activation=act))

    # Pooling: class x padding x pool size x stride, on odd sizes.
    for cls, short in (('MaxPooling2D', 'maxpool'), ('AveragePooling2D', 'avgpool')):
        for padding in ('valid', 'same'):
            for pool in (2, 3):
                for stride in (1, 2):
                    case('%s_%s_p%d_s%d' % (short, padding, pool, stride),
                         '%s(%d, strides=%d, padding=%r) on 7x9x3' % (cls, pool, stride, padding),
                         (7, 9, 3), single(cls, pool, strides=stride, padding=padding))
            case('%s_%s_p3_default_strides' % (short, padding),
                 '%s(3, padding=%r) (strides = pool) on 8x7x2' % (cls, padding),
                 (8, 7, 2), single(cls, 3, padding=padding))
            case('%s_%s_p2x3_s2x1' % (short, padding),
                 '%s((2, 3), strides=(2, 1), padding=%r) on 7x8x3' % (cls, padding),
                 (7, 8, 3), single(cls, (2, 3), strides=(2, 1), padding=padding))
        case('%s_same_p3_s1_even' % short,
             '%s(3, strides=1, padding=\'same\') on 6x6x2 (InceptionResNetV2 mixed_5b pool)'
             % cls, (6, 6, 2), single(cls, 3, strides=1, padding='same'))

    # BatchNormalization (inference).
    for scale, center, eps in ((True, True, 1e-3), (True, True, 1.001e-5),
                               (False, True, 1e-3), (True, False, 1.001e-5),
                               (False, False, 1e-3)):
        name = 'batchnorm%s%s_eps%s' % ('' if scale else '_noscale', '' if center else '_nocenter',
                                        '1e-3' if eps == 1e-3 else '1.001e-5')
        case(name, 'BatchNormalization(scale=%s, center=%s, epsilon=%g) on 5x6x7'
             % (scale, center, eps), (5, 6, 7),
             single('BatchNormalization', scale=scale, center=center, epsilon=eps))
    case('batchnorm_2d', 'BatchNormalization() on (N, 11)', (11,),
         single('BatchNormalization'), batch=3)

    # Dense on 2-D input.
    for act in ('linear', 'relu', 'softmax', 'sigmoid', 'tanh'):
        case('dense_%s' % act, 'Dense(7, activation=%r) on (N, 13)' % act, (13,),
             single('Dense', 7, activation=act), batch=3)
    case('dense_nobias', 'Dense(6, use_bias=False) on (N, 20)', (20,),
         single('Dense', 6, use_bias=False), batch=3)

    # Flatten.
    case('flatten', 'Flatten() on 5x3x4 (row-major over H, W, C)', (5, 3, 4), single('Flatten'))
    case('flatten_dense_softmax', 'Flatten() then Dense(5, softmax) on 3x4x2 (VGG head order)',
         (3, 4, 2), flatten_dense)

    # Merges: several branches of the one input joined by one layer.
    case('add_2', 'Add()([Conv2D(4, 1)(x), Conv2D(4, 3, same, no bias)(x)]) on 6x7x3',
         (6, 7, 3), add2)
    case('add_3', 'Add()([x, relu(x), Conv2D(3, 3, same)(x)]) on 7x5x3', (7, 5, 3), add3)
    case('concatenate', 'Concatenate()([Conv2D(2, 1)(x), Conv2D(3, 3, same)(x)]) on 6x7x3',
         (6, 7, 3), concatenate(-1))
    case('concatenate_3', 'Concatenate()([tanh(x), Conv2D(2, 1)(x), x]) on 5x6x3',
         (5, 6, 3), concatenate3)
    for axis in (1, 2, 3):
        case('concatenate_axis%d' % axis,
             'Concatenate(axis=%d)([Conv2D(2, 1)(x), Conv2D(2, 3, same)(x)]) on 6x7x3' % axis,
             (6, 7, 3), concatenate(axis))

    # ZeroPadding2D (Keras writes every form as ((top, bottom), (left, right))).
    for name, pad in (('zeropad_1', 1), ('zeropad_2x1', (2, 1)),
                      ('zeropad_1_2_0_3', ((1, 2), (0, 3)))):
        case(name, 'ZeroPadding2D(%r) on 5x6x3' % (pad,), (5, 6, 3),
             single('ZeroPadding2D', pad))

    # Global pooling.
    for cls, short in (('GlobalAveragePooling2D', 'global_avgpool'),
                       ('GlobalMaxPooling2D', 'global_maxpool')):
        case(short, '%s() on 7x9x5' % cls, (7, 9, 5), single(cls), batch=3)
        case(short + '_keepdims', '%s(keepdims=True) on 6x5x4' % cls, (6, 5, 4),
             single(cls, keepdims=True))

    # Activation: every function the reference implements.
    for act in ('linear', 'relu', 'softmax', 'sigmoid', 'tanh'):
        case('activation_%s' % act, 'Activation(%r) on 4x5x6' % act, (4, 5, 6),
             single('Activation', act))
    case('activation_softmax_2d', 'Activation(\'softmax\') on (N, 10)', (10,),
         single('Activation', 'softmax'), batch=3)
    return out


# ------------------------------------------------------------------------ generation
def draw_weights(model, rs):
    """{layer: {variable: float32 array}} in model.layers order, variables in Keras order."""
    out = {}
    for layer in model.layers:
        for spec in layer.weight_specs:
            shape = spec.shape
            if spec.name == 'kernel':
                a = rs.normal(0.0, np.sqrt(2.0 / np.prod(shape[:-1])), size=shape)
            elif spec.name in ('bias', 'beta', 'moving_mean'):
                a = rs.normal(0.0, 0.5, size=shape)
            elif spec.name == 'gamma':
                a = rs.uniform(0.5, 1.5, size=shape)
            elif spec.name == 'moving_variance':
                a = rs.uniform(0.005, 2.0, size=shape)
            else:
                raise NotImplementedError('%s/%s' % (layer.name, spec.name))
            out.setdefault(layer.name, {})[spec.name] = a.astype(np.float32)
    return out


def reference_digest(reference):
    """SHA-256 over the harness files a case depends on (kshim/, refcore/), in name order."""
    h = hashlib.sha256()
    for sub in ('kshim', 'refcore'):
        d = os.path.join(reference, sub)
        for f in sorted(os.listdir(d)):
            if f.endswith('.py'):
                h.update(('%s/%s\n' % (sub, f)).encode())
                with open(os.path.join(d, f), 'rb') as fh:
                    h.update(fh.read())
    return h.hexdigest()


def generate(name, desc, batch, shape, build, seed, out, kshim, kerasjson, execute, torch):
    kshim.clear_session()
    x = kshim.layers.Input(shape=shape)
    model = kshim.models.Model(x, build(kshim.layers, x), name='model')
    rs = np.random.RandomState([seed, zlib.crc32(name.encode())])
    weights = draw_weights(model, rs)
    xin = rs.normal(0.0, 1.0, size=(batch,) + tuple(shape)).astype(np.float32)
    y64, _ = execute.run(model, weights, xin, dtype=torch.float64)
    y32, _ = execute.run(model, weights, xin, dtype=torch.float32)
    want = y64.astype(np.float32)
    scale = float(np.abs(y64).max())

    d = os.path.join(out, name)
    os.makedirs(d)
    with open(os.path.join(d, 'model.json'), 'w') as f:
        f.write(kerasjson.to_json(model))
    for layer, variables in weights.items():
        os.makedirs(os.path.join(d, 'weights', layer))
        for var, a in variables.items():
            np.save(os.path.join(d, 'weights', layer, var + '.npy'), a)
    np.save(os.path.join(d, 'input.npy'), xin)
    np.save(os.path.join(d, 'output.npy'), want)
    return {
        'name': name,
        'description': desc,
        'layers': ['%s %s' % (type(l).__name__, l.name) for l in model.layers],
        'input_shape': list(xin.shape),
        'output_shape': list(want.shape),
        'params': int(model.count_params()),
        'variables': ['%s/%s' % (l.name, s.name) for l in model.layers for s in l.weight_specs],
        'max_abs_output': scale,
        # The same graph, weights and input run in float32 by torch: what a correct
        # float32 implementation may be expected to land near.
        'float32_rel_error': float(np.abs(y32 - y64).max()) / scale,
    }


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--reference', default=DEFAULT_REFERENCE,
                   help='the reference harness directory (holds kshim/ and refcore/); '
                        'default $GOTL_REFERENCE or %(default)s')
    p.add_argument('--out', default=DEFAULT_OUT, help='output directory (default %(default)s)')
    p.add_argument('--seed', type=int, default=DEFAULT_SEED)
    p.add_argument('--list', action='store_true', help='print the case names and stop')
    args = p.parse_args()

    all_cases = cases()
    names = [c[0] for c in all_cases]
    if len(set(names)) != len(names):
        raise SystemExit('duplicate case names')
    if args.list:
        print('\n'.join(names))
        return

    reference = os.path.abspath(args.reference)
    if not os.path.isdir(os.path.join(reference, 'kshim')):
        raise SystemExit('%s: no kshim/ here; give the reference harness with --reference'
                         % reference)
    sys.dont_write_bytecode = True          # the harness directory may be read-only
    sys.path.insert(0, reference)
    import torch
    import kshim
    from refcore import execute, kerasjson

    # Start from an empty set: old cases must not linger (README.md stays).
    os.makedirs(args.out, exist_ok=True)
    for entry in os.listdir(args.out):
        path = os.path.join(args.out, entry)
        if os.path.isdir(path) and os.path.exists(os.path.join(path, 'model.json')):
            shutil.rmtree(path)
    entries = []
    for name, desc, batch, shape, build in all_cases:
        e = generate(name, desc, batch, shape, build, args.seed, args.out,
                     kshim, kerasjson, execute, torch)
        print('%-36s in %-16s out %-16s float32 err %.1e' % (
            name, tuple(e['input_shape']), tuple(e['output_shape']), e['float32_rel_error']))
        entries.append(e)

    manifest = {
        'generator': 'tools/refcases.py --seed %d' % args.seed,
        'reference': {
            'harness': 'shared/reference (kshim + refcore: tf.keras 2.8 to_json, '
                       'float64 torch with TensorFlow semantics)',
            'sha256_kshim_refcore': reference_digest(reference),
        },
        'versions': {'numpy': np.__version__, 'torch': torch.__version__,
                     'python': platform.python_version()},
        'weights': WEIGHTS,
        'tolerance': TOLERANCE,
    }
    # One line per case, so that a regenerated set diffs case by case.
    head = json.dumps(manifest, indent=1)[:-len('\n}')]
    with open(os.path.join(args.out, 'manifest.json'), 'w') as f:
        f.write(head + ',\n "cases": [\n')
        f.write(',\n'.join('  ' + json.dumps(e) for e in entries))
        f.write('\n ]\n}\n')
    print('%d cases, largest float32 error %.1e' % (
        len(entries), max(e['float32_rel_error'] for e in entries)))


if __name__ == '__main__':
    main()
