"""The alternative ε placements the course accepts: against their formulas and PyTorch."""

import numpy as np
import pytest

from dlbasics.optimizers import AdaGrad, Adam, RMSprop


def run(optimizer, grads_list, start):
    params = {"W": start.copy()}
    for g in grads_list:
        optimizer.update(params, {"W": g.copy()})
    return params["W"]


GRADS = [np.array([0.5, -1.0, 0.0, 3e-7]), np.array([0.1, 2.0, 1e-6, -3e-7]),
         np.array([-0.4, 0.3, 0.0, 1e-7])]
START = np.array([1.0, -2.0, 0.5, 3.0])


def test_eps_inside_the_root_follows_its_formula():
    h = np.zeros(4)
    w = START.copy()
    for g in GRADS:
        h += g * g
        w -= 0.1 * g / np.sqrt(h + 1e-7)
    np.testing.assert_allclose(run(AdaGrad(lr=0.1, eps_in_sqrt=True), GRADS, START), w, rtol=1e-14)
    h = np.zeros(4)
    w = START.copy()
    for g in GRADS:
        h = 0.9 * h + 0.1 * g * g
        w -= 0.1 * g / np.sqrt(h + 1e-7)
    np.testing.assert_allclose(run(RMSprop(lr=0.1, decay_rate=0.9, eps_in_sqrt=True), GRADS, START),
                               w, rtol=1e-14)


def test_paper_adam_follows_algorithm_1_and_differs_from_the_book_form():
    m, v, w = np.zeros(4), np.zeros(4), START.copy()
    for t, g in enumerate(GRADS, start=1):
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g * g
        w -= 0.1 * (m / (1 - 0.9**t)) / (np.sqrt(v / (1 - 0.999**t)) + 1e-7)
    paper = run(Adam(lr=0.1, eps_on_corrected=True), GRADS, START)
    np.testing.assert_allclose(paper, w, rtol=1e-12)
    assert np.abs(run(Adam(lr=0.1), GRADS, START) - paper).max() > 1e-3  # tiny gradients


@pytest.mark.parametrize("name", ["adam", "rmsprop", "adagrad"])
def test_accepted_forms_match_pytorch(name):
    torch = pytest.importorskip("torch")
    weight = torch.tensor(START.copy(), dtype=torch.float64, requires_grad=True)
    ours, theirs = {
        "adam": (Adam(lr=0.1, eps_on_corrected=True), torch.optim.Adam([weight], lr=0.1, eps=1e-7)),
        "rmsprop": (RMSprop(lr=0.1, decay_rate=0.99),
                    torch.optim.RMSprop([weight], lr=0.1, alpha=0.99, eps=1e-7)),
        "adagrad": (AdaGrad(lr=0.1), torch.optim.Adagrad([weight], lr=0.1, eps=1e-7)),
    }[name]
    for g in GRADS:
        weight.grad = torch.tensor(g)
        theirs.step()
    np.testing.assert_allclose(run(ours, GRADS, START), weight.detach().numpy(), rtol=1e-10)
