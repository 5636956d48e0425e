"""Train the small "pre-trained" network that notebook 06_batch loads.

The book's ``sample_weight.pkl`` idea (a 3-layer network with sigmoid hidden layers and a
softmax output, trained beforehand, whose ``predict`` the trainee writes), but for the course's
8×8 digits and stored as a plain ``.npz`` instead of a pickle, so that loading it never runs
code and does not depend on NumPy's internals.

The network is 64 → 50 → 100 → 10 (sigmoid, sigmoid, softmax), trained with
``dlbasics.networks.MultiLayerNet`` and ``dlbasics.trainer.Trainer`` on the training split of
``dlbasics.datasets.load_digits()`` (default split). Seeded: the same run gives the same file.

Usage (from the repository root)::

    python data/pretrained/make_digits_weights.py

Output: ``lib/dlbasics/data/pretrained/digits_mlp.npz`` (package data of dlbasics;
np.savez_compressed) with float32 arrays W1 (64, 50), b1 (50,), W2 (50, 100), b2 (100,),
W3 (100, 10), b3 (10,).
Prints the test accuracy of the saved (float32) weights; it must be at least MIN_ACCURACY.
"""

from pathlib import Path

import numpy as np

from dlbasics.datasets import load_digits
from dlbasics.functions import sigmoid, softmax
from dlbasics.networks import MultiLayerNet
from dlbasics.trainer import Trainer

OUTPUT = (Path(__file__).resolve().parents[2] / "lib" / "dlbasics" / "data" / "pretrained"
          / "digits_mlp.npz")
HIDDEN_SIZES = [50, 100]
SEED = 20250706
EPOCHS = 60
BATCH_SIZE = 100
LEARNING_RATE = 0.01
MIN_ACCURACY = 0.93
KEYS = ("W1", "b1", "W2", "b2", "W3", "b3")


def predict(weights, x):
    """Softmax probabilities (N, 10) of the saved weights, as the notebook computes them."""
    a1 = sigmoid(x @ weights["W1"] + weights["b1"])
    a2 = sigmoid(a1 @ weights["W2"] + weights["b2"])
    return softmax(a2 @ weights["W3"] + weights["b3"])


def main():
    (x_train, t_train), (x_test, t_test) = load_digits()
    network = MultiLayerNet(64, HIDDEN_SIZES, 10, activation="sigmoid",
                            weight_init_std="xavier", seed=SEED)
    trainer = Trainer(network, x_train, t_train, x_test, t_test, epochs=EPOCHS,
                      mini_batch_size=BATCH_SIZE, optimizer="Adam",
                      optimizer_param={"lr": LEARNING_RATE}, seed=SEED, verbose=False)
    trainer.train()

    weights = {key: network.params[key].astype(np.float32) for key in KEYS}
    accuracy = float(np.mean(np.argmax(predict(weights, x_test), axis=1) == t_test))
    print(f"test accuracy of the float32 weights: {accuracy:.4f} "
          f"(train: {trainer.history['train_acc'][-1]:.4f})")
    if accuracy < MIN_ACCURACY:
        raise SystemExit(f"test accuracy {accuracy:.4f} is below {MIN_ACCURACY}; not saved")
    np.savez_compressed(OUTPUT, **weights)
    print(f"saved {OUTPUT} ({OUTPUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
