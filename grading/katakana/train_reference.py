"""Train the reference katakana submissions on the 3,000 training images only.

    .venv/bin/python grading/katakana/train_reference.py [fc|cnn ...] [--cv K] [--holdout]
                                                        [--epochs E] [--seed S]

Each model lives in grading/katakana/reference/<name>/submission.py (architecture,
preprocessing, prediction); this script trains it with NumPy and dlbasics only, with
augmentation that imitates how hands differ (shift, small rotation, slant, scale, elastic
wobble, stroke width, ink level), and Adam; writes weights.npz beside it and prints the
training time. One Adam lives for the whole run: its moments carry over between epochs.

--cv K first estimates accuracy on unseen writers by K-fold cross-validation grouped by
writer (scikit-learn's GroupKFold on load_katakana(return_groups=True)'s writer ids).
--holdout afterwards scores the trained model on writers drawn from a different, harder
family (make_katakana.py's "holdout" split, generated in memory, never written to the
repository). Score on the hidden set with
``dlcourse katakana score grading/katakana/reference/cnn --student reference-cnn``.
"""

import argparse
import functools
import importlib.util
import time
from pathlib import Path

import numpy as np
from sklearn.model_selection import GroupKFold

from dlbasics.datasets import load_katakana
from dlbasics.optimizers import Adam

HERE = Path(__file__).resolve().parent
GENERATOR = HERE.parents[1] / "data" / "katakana" / "make_katakana.py"
# Augmentation ranges (uniform): degrees, shear, log-scale per axis, pixels, pixels, grid.
AUGMENT = {"rotation": 15.0, "slant": 0.45, "log_scale": 0.2, "shift": 2.5,
           "elastic": 2.0, "elastic_grid": 5}
SETTINGS = {  # epochs, batch size, learning rate
    "fc": (200, 100, 0.001),
    "cnn": (96, 100, 0.0015),
}


def load_module(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@functools.lru_cache(maxsize=None)
def load_submission(name):
    return load_module(HERE / "reference" / name / "submission.py", f"reference_{name}")


def _interpolation_matrix(size, coarse):
    """(size, coarse) linear interpolation from a coarse grid to size pixels."""
    where = np.linspace(0, coarse - 1, size)
    low = np.minimum(np.floor(where).astype(int), coarse - 2)
    frac = where - low
    matrix = np.zeros((size, coarse))
    matrix[np.arange(size), low] = 1 - frac
    matrix[np.arange(size), low + 1] = frac
    return matrix


def stroke_width(images, change):
    """Thicken (+1) or thin (-1) the strokes of each image by a 2 × 2 max / min filter."""
    padded = np.pad(images, ((0, 0), (0, 1), (0, 1)))
    shifted = [padded[:, dy:dy + 28, dx:dx + 28] for dy in (0, 1) for dx in (0, 1)]
    thick, thin = np.max(shifted, axis=0), np.min(shifted, axis=0)
    out = np.where(change[:, None, None] > 0, thick, images)
    return np.where(change[:, None, None] < 0, thin, out)


def augment(images, rng):
    """Writer-like variation of uint8 (N, 1, 28, 28) images, all drawn at once; uint8 out."""
    n = len(images)
    x = images[:, 0].astype(np.float32)
    x = stroke_width(x, rng.choice([-1, 0, 0, 1], size=n))
    angle = np.deg2rad(rng.uniform(-AUGMENT["rotation"], AUGMENT["rotation"], n))
    slant = rng.uniform(-AUGMENT["slant"], AUGMENT["slant"], n)
    scale = np.exp(rng.uniform(-AUGMENT["log_scale"], AUGMENT["log_scale"], (n, 2)))
    # Inverse map: output pixel -> source pixel (rotation, slant, per-axis scale).
    a = np.cos(angle) / scale[:, 0]
    b = (np.sin(angle) + slant) / scale[:, 0]
    c = -np.sin(angle) / scale[:, 1]
    d = np.cos(angle) / scale[:, 1]
    grid = np.arange(28) - 13.5
    gy, gx = np.meshgrid(grid, grid, indexing="ij")
    shift = rng.uniform(-AUGMENT["shift"], AUGMENT["shift"], (n, 2))
    grid_size = AUGMENT["elastic_grid"]
    up = _interpolation_matrix(28, grid_size)
    amplitude = rng.uniform(0.0, AUGMENT["elastic"], (n, 1, 1))
    field_x = up @ (rng.standard_normal((n, grid_size, grid_size)) * amplitude) @ up.T
    field_y = up @ (rng.standard_normal((n, grid_size, grid_size)) * amplitude) @ up.T
    src_x = a[:, None, None] * gx + b[:, None, None] * gy + 13.5 + shift[:, :1, None] + field_x
    src_y = c[:, None, None] * gx + d[:, None, None] * gy + 13.5 + shift[:, 1:, None] + field_y
    # The reference CNN's own bilinear sampler (its preprocessing uses it too).
    warped = load_submission("cnn")._bilinear(x, src_x, src_y)
    warped *= rng.uniform(0.5, 1.0, (n, 1, 1))          # faint or firm ink
    noisy = rng.random((n, 1, 1)) < 0.5
    warped += noisy * rng.uniform(0, 8.0, (n, 1, 1)) * rng.standard_normal(warped.shape)
    return np.clip(warped, 0, 255).astype(np.uint8)[:, np.newaxis]


def train(module, x, t, epochs, batch_size, lr, seed=0, log=print):
    rng = np.random.default_rng(seed)
    network = module.build_network(module.init_params(rng), dropout_seed=seed)
    optimizer = Adam(lr=lr)
    for epoch in range(1, epochs + 1):
        order = rng.permutation(len(x))
        x_epoch = module.preprocess(augment(x[order], rng))
        t_epoch = t[order]
        # Cosine decay of the step: large steps first, a small one to settle the weights.
        optimizer.lr = lr * (0.05 + 0.95 * 0.5 * (1 + np.cos(np.pi * (epoch - 1) / epochs)))
        losses = []
        for start in range(0, len(x) - batch_size + 1, batch_size):
            xb, tb = x_epoch[start:start + batch_size], t_epoch[start:start + batch_size]
            grads = network.gradient(xb, tb)
            optimizer.update(network.params, grads)
            losses.append(network.last_layer.loss)
        if epoch % 5 == 0 or epoch == epochs:
            log(f"  epoch {epoch:3d}: loss {np.mean(losses):.4f}")
    return network


def predicted_labels(module, network, x):
    labels = [np.argmax(network.predict(module.preprocess(x[i:i + 500]), train_flg=False), 1)
              for i in range(0, len(x), 500)]
    return np.concatenate(labels)


def report(name, module, network, x, t):
    """Print overall and per-class accuracy on x, t; return the overall accuracy."""
    predicted = predicted_labels(module, network, x)
    per_class = [np.mean(predicted[t == k] == k) for k in range(15)]
    classes = "アイウエオカキクケコサシスセソ"
    print(f"  {name}: {np.mean(predicted == t):.2%}; per class "
          + " ".join(f"{c} {a:.1%}" for c, a in zip(classes, per_class)))
    return float(np.mean(predicted == t))


def cross_validate(module, x, t, writers, folds, epochs, batch_size, lr):
    scores = []
    for fold, (tr, va) in enumerate(GroupKFold(n_splits=folds).split(x, t, writers), start=1):
        network = train(module, x[tr], t[tr], epochs, batch_size, lr, seed=fold,
                        log=lambda *_: None)
        scores.append(float(np.mean(predicted_labels(module, network, x[va]) == t[va])))
        print(f"  fold {fold}: held-out writers {sorted(set(writers[va].tolist()))}: "
              f"{scores[-1]:.2%}")
    print(f"  cross-validation (GroupKFold by writer): {np.mean(scores):.2%} "
          f"± {np.std(scores):.2%}")
    return scores


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("models", nargs="*", default=["fc", "cnn"], choices=sorted(SETTINGS))
    parser.add_argument("--cv", type=int, default=0, help="folds for a grouped CV estimate")
    parser.add_argument("--holdout", action="store_true",
                        help="score on held-out writers of a harder family afterwards")
    parser.add_argument("--epochs", type=int, default=None, help="override the epochs")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    x, t, writers = load_katakana(return_groups=True)
    holdout = None
    if args.holdout:
        generator = load_module(GENERATOR, "make_katakana")
        holdout = generator.generate_split("holdout")
    for name in args.models:
        module = load_submission(name)
        epochs, batch_size, lr = SETTINGS[name]
        epochs = args.epochs or epochs
        print(f"{name}: {epochs} epochs, batch {batch_size}, Adam lr {lr}")
        if args.cv:
            cross_validate(module, x, t, writers, args.cv, epochs, batch_size, lr)
        start, cpu = time.perf_counter(), time.process_time()
        network = train(module, x, t, epochs, batch_size, lr, seed=args.seed)
        print(f"  trained in {time.perf_counter() - start:.0f} s wall, "
              f"{time.process_time() - cpu:.0f} s CPU")
        report("training set", module, network, x, t)
        if holdout is not None:
            report("held-out writers (harder family)", module, network,
                   holdout["x"], holdout["t"])
        arrays = {key: value.astype(np.float32) for key, value in network.params.items()}
        np.savez_compressed(module.WEIGHTS, **arrays)
        print(f"  wrote {module.WEIGHTS.relative_to(HERE.parents[1])} "
              f"({module.WEIGHTS.stat().st_size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
