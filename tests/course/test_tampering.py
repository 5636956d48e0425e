"""The static tampering check of answer cells (no kernel, no nbgrader)."""

import pytest

from dlcourse.tampering import find_tampering, graded_names

IMPORTS = "import numpy as np\nimport numpy\nimport matplotlib.pyplot as plt\n" \
          "from dlbasics.checks import check_function\nimport dlbasics.functions as F"
NAMES = {"sigmoid", "Affine"}


def findings(answer, names=NAMES):
    cells = [(IMPORTS, False, "imports"), (answer, True, "answer_x"),
             ("check_function(sigmoid, [])", False, "check_x")]
    return find_tampering(cells, names)


@pytest.mark.parametrize("answer, words", [
    ("np.allclose = lambda *a, **k: True", "np.allclose"),
    ("numpy.testing.assert_allclose = print", "numpy.testing.assert_allclose"),
    ("import dlbasics.checks\ndlbasics.checks.check_function = lambda *a, **k: None",
     "dlbasics.checks.check_function"),
    ("import builtins\nbuiltins.len = lambda x: 0", "builtins.len"),
    ("__builtins__.print = None", "__builtins__.print"),
    ("setattr(np, 'allclose', lambda *a: True)", "setattr(np"),
    ("import sys\nsys.modules['numpy'] = None", "sys.modules"),
    ("np.__dict__['allclose'] = max", "np.__dict__"),
    ("del np.allclose", "deletes np.allclose"),
    ("__import__('numpy').allclose = max", "allclose"),
    ("from dlbasics.functions import sigmoid", "imports sigmoid"),
    ("from dlbasics.layers import Affine as Affine", "imports Affine"),
    ("sigmoid = F.sigmoid", "binds sigmoid"),
    ("%time x = 1\nnp.isclose = None", "np.isclose"),
])
def test_tampering_is_found(answer, words):
    found = findings(answer)
    assert found, f"not flagged: {answer!r}"
    assert words in found[0].detail
    assert found[0].cell_index == 1 and found[0].cell_name == "answer_x"


@pytest.mark.parametrize("answer", [
    "def sigmoid(x):\n    return 1 / (1 + np.exp(-x))",
    "class Affine:\n    def __init__(self, W):\n        self.W = W",
    "plt.rcParams['font.size'] = 12",
    "x = np.zeros(3)\nx.shape = (3, 1)",
    "np.random.seed(0)\nrng = np.random.default_rng(0)",
    "from dlbasics.functions import softmax\nimport numpy as np",
    "this is not python (",
])
def test_ordinary_answers_are_not_flagged(answer):
    assert findings(answer) == []


def test_locked_cells_are_not_checked():
    cells = [("np.allclose = None", False, "imports")]
    assert find_tampering(cells, NAMES) == []


def test_graded_names_are_top_level_definitions():
    sources = ["def sigmoid(x):\n    def inner():\n        pass\n    return x",
               "class Affine:\n    pass\n\nvalue = 3", "not ( python"]
    assert graded_names(sources) == {"sigmoid", "Affine"}


def test_a_library_import_names_the_replaced_function():
    found = findings("from dlbasics.functions import sigmoid, softmax")
    assert found[0].names == {"sigmoid"}
