"""Train the reference katakana submissions on the 3,000 training images only.

    .venv/bin/python grading/katakana/train_reference.py [fc|cnn ...] [--cv K] [--epochs E]

Each model lives in grading/katakana/reference/<name>/submission.py (architecture,
preprocessing, prediction); this script trains it with data augmentation (random
shifts, small rotations/shears/scales, stroke thickening/thinning) and Adam, writes
weights.npz beside it, and prints the training time. With --cv K it first estimates
accuracy on unseen writers by K-fold cross-validation grouped by font (scikit-learn's
GroupKFold). Score the result on the hidden set with
``dlcourse katakana score grading/katakana/reference/cnn --student reference-cnn``.
"""

import argparse
import importlib.util
import time
from pathlib import Path

import numpy as np
from scipy import ndimage
from sklearn.model_selection import GroupKFold

from dlbasics.datasets import get_data_dir
from dlbasics.optimizers import Adam

HERE = Path(__file__).resolve().parent
SETTINGS = {  # epochs, batch size, learning rate
    "fc": (40, 100, 0.001),
    "cnn": (30, 100, 0.002),
}


def load_module(name):
    path = HERE / "reference" / name / "submission.py"
    spec = importlib.util.spec_from_file_location(f"reference_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load_training_set():
    with np.load(get_data_dir() / "katakana" / "katakana_train.npz") as data:
        return data["x"], data["t"], data["font"]


def augment(images, rng):
    """Writer-like variation: affine jitter, shift, and random stroke width (uint8 in/out)."""
    out = np.empty_like(images)
    for i, image in enumerate(images[:, 0]):
        angle = np.deg2rad(rng.uniform(-12, 12))
        shear = rng.uniform(-0.2, 0.2)
        scale = rng.uniform(0.85, 1.15, size=2)
        matrix = np.array([[np.cos(angle), -np.sin(angle) + shear],
                           [np.sin(angle), np.cos(angle)]]) / scale[:, None]
        centre = np.array([13.5, 13.5])
        offset = centre - matrix @ centre + rng.uniform(-2.5, 2.5, size=2)
        warped = ndimage.affine_transform(image.astype(np.float32), matrix, offset=offset,
                                          order=1, mode="constant")
        stroke = rng.integers(-1, 3)
        if stroke > 0:
            warped = ndimage.grey_dilation(warped, size=(2, 2))
        elif stroke < 0:
            warped = ndimage.grey_erosion(warped, size=(2, 2))
        out[i, 0] = np.clip(warped, 0, 255).astype(np.uint8)
    return out


def train(module, x, t, epochs, batch_size, lr, seed=0, log=print):
    rng = np.random.default_rng(seed)
    params = module.init_params(rng)
    network = module.build_network(params, dropout_seed=seed)
    optimizer = Adam(lr=lr)
    for epoch in range(1, epochs + 1):
        order = rng.permutation(len(x))
        x_epoch = module.preprocess(augment(x[order], rng))
        t_epoch = t[order]
        if epoch > 0.7 * epochs:
            optimizer.lr = lr * 0.2  # a late, smaller step settles the weights
        losses = []
        for start in range(0, len(x) - batch_size + 1, batch_size):
            xb, tb = x_epoch[start:start + batch_size], t_epoch[start:start + batch_size]
            grads = network.gradient(xb, tb)
            optimizer.update(network.params, grads)
            losses.append(network.last_layer.loss)
        if epoch % 5 == 0 or epoch == epochs:
            log(f"  epoch {epoch:3d}: loss {np.mean(losses):.4f}")
    return network


def accuracy(module, network, x, t):
    scores = network.predict(module.preprocess(x), train_flg=False)
    return float(np.mean(np.argmax(scores, axis=1) == t))


def cross_validate(module, x, t, fonts, folds, epochs, batch_size, lr):
    scores = []
    for fold, (tr, va) in enumerate(GroupKFold(n_splits=folds).split(x, t, fonts), start=1):
        network = train(module, x[tr], t[tr], epochs, batch_size, lr, seed=fold,
                        log=lambda *_: None)
        scores.append(accuracy(module, network, x[va], t[va]))
        print(f"  fold {fold}: held-out fonts {sorted(set(fonts[va]))}: {scores[-1]:.2%}")
    print(f"  cross-validation (by font): {np.mean(scores):.2%} ± {np.std(scores):.2%}")
    return scores


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("models", nargs="*", default=["fc", "cnn"], choices=sorted(SETTINGS))
    parser.add_argument("--cv", type=int, default=0, help="folds for a grouped CV estimate")
    parser.add_argument("--epochs", type=int, default=None, help="override the epochs")
    args = parser.parse_args()
    x, t, fonts = load_training_set()
    for name in args.models:
        module = load_module(name)
        epochs, batch_size, lr = SETTINGS[name]
        epochs = args.epochs or epochs
        print(f"{name}: {epochs} epochs, batch {batch_size}, Adam lr {lr}")
        if args.cv:
            cross_validate(module, x, t, fonts, args.cv, epochs, batch_size, lr)
        start = time.perf_counter()
        network = train(module, x, t, epochs, batch_size, lr)
        elapsed = time.perf_counter() - start
        print(f"  trained in {elapsed:.0f} s; training accuracy "
              f"{accuracy(module, network, x, t):.2%}")
        arrays = {key: value.astype(np.float32) for key, value in network.params.items()}
        arrays.update({key: value.astype(np.float32)
                       for key, value in module.running_stats(network).items()})
        np.savez_compressed(module.WEIGHTS, **arrays)
        print(f"  wrote {module.WEIGHTS.relative_to(HERE.parents[1])} "
              f"({module.WEIGHTS.stat().st_size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
