"""dlbasics: deep learning from scratch with NumPy.

The course library that every notebook, test and grader imports. It keeps the
shapes and names of *ゼロから作るDeep Learning* (``forward``/``backward`` layers,
``params``/``grads`` dicts, optimizers with ``update(params, grads)``) and adds
shape docstrings, numerical stability and no side effects on inputs.
"""

__version__ = "0.1.0"
