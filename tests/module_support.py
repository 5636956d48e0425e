"""Import a Python file that is not in a package (data/, grading/, benchmarks/, mutations)."""

import importlib.util


def load_module(path, name):
    """Execute the file at ``path`` as a new module called ``name`` and return it."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
