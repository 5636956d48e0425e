"""The benchmarks run, say so when PyTorch is missing, and compare like with like.

Timings are never asserted (ratios are printed by the benchmarks themselves); these
tests only run each benchmark on a tiny budget, once with PyTorch hidden (it is never
a dependency: the comparison column is skipped with a message and the run exits 0),
and check that bench_train's PyTorch translation computes what dlbasics computes.
"""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from module_support import load_module

ROOT = Path(__file__).resolve().parents[1]
BENCHMARKS = ROOT / "benchmarks"
SHORT_RUNS = {
    "bench_conv.py": ["--rounds", "1", "--calls", "1"],
    "bench_mlp.py": ["--rounds", "1", "--calls", "1"],
    "bench_train.py": ["fc", "--rounds", "1", "--threads", "1", "--steps", "2", "--profile"],
}


@pytest.mark.parametrize("script", sorted(SHORT_RUNS))
def test_benchmark_without_torch_says_so_and_exits_0(script, tmp_path):
    blocker = tmp_path / "torch"
    blocker.mkdir()
    (blocker / "__init__.py").write_text("raise ImportError('hidden by the test')\n")
    env = dict(os.environ, PYTHONPATH=str(tmp_path), OPENBLAS_NUM_THREADS="1")
    result = subprocess.run([sys.executable, str(BENCHMARKS / script), *SHORT_RUNS[script]],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "PyTorch not installed: no comparison column" in result.stdout
    assert "dlbasics" in result.stdout and "torch" not in result.stdout.split("\n", 1)[1]


def load_bench_train():
    sys.path.insert(0, str(BENCHMARKS))
    try:
        return load_module(BENCHMARKS / "bench_train.py", "bench_train")
    finally:
        sys.path.remove(str(BENCHMARKS))


def test_torch_translation_of_the_reference_cnn_computes_the_same():
    torch = pytest.importorskip("torch")
    from dlbasics.datasets import load_katakana
    from dlbasics.layers import BatchNormalization, Dropout

    bench = load_bench_train()
    reference = bench.load_reference()
    module = reference.load_submission("cnn")
    x_raw, _, _ = load_katakana(return_groups=True)
    x = module.preprocess(x_raw[:8])
    params = module.init_params(np.random.default_rng(3))
    for key, value in params.items():  # batch-norm parameters away from 1 and 0
        if key.startswith(("gamma", "beta")):
            params[key] = value + np.random.default_rng(4).uniform(-0.5, 0.5, value.shape)
    layers = module.build_network(params).layers
    model = torch.nn.Sequential(*(
        bench.torch_layer(torch, layer, shape) for layer, shape in zip(layers, trace(layers, x))
    )).double().train()
    for submodule in model.modules():
        if isinstance(submodule, torch.nn.Dropout):
            submodule.eval()  # dropout off on both sides; batch norm in training mode
    ours = x.astype(np.float64)
    for layer in layers:
        if isinstance(layer, Dropout):
            ours = layer.forward(ours, train_flg=False)
        elif isinstance(layer, BatchNormalization):
            ours = layer.forward(ours, train_flg=True)
        else:
            ours = layer.forward(ours)
    theirs = model(torch.from_numpy(x.astype(np.float64))).detach().numpy()
    # features that are blank in most of the 8 images have a tiny variance, which
    # 1/sqrt(var + eps) amplifies: rounding reaches 1e-6; a wrong translation gives O(1)
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-5)


def trace(layers, x):
    """The input shape of every layer on a forward pass of x."""
    from dlbasics.layers import BatchNormalization, Dropout

    shapes = []
    for layer in layers:
        shapes.append(x.shape)
        x = (layer.forward(x, False) if isinstance(layer, (Dropout, BatchNormalization))
             else layer.forward(x))
    return shapes
