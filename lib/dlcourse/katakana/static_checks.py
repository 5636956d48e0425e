"""Static checks of a submission folder, before anything of it runs."""

import ast
import sys
from pathlib import Path

from dlcourse.katakana.refusal import ScoringRefused

__all__ = ["check_submission_folder"]


def check_submission_folder(folder):
    """Static checks before running anything: files present, imports allowed, no pickles.

    Raises ScoringRefused with a clear message.
    """
    folder = Path(folder)
    source_path = folder / "submission.py"
    if not folder.is_dir():
        raise ScoringRefused("missing", f"{folder} is not a folder")
    if not source_path.is_file():
        raise ScoringRefused("missing", f"{folder} has no submission.py")
    pickles = sorted(p.name for p in folder.iterdir() if p.suffix in (".pkl", ".pickle"))
    if pickles:
        raise ScoringRefused("forbidden file", f"pickles are not accepted ({', '.join(pickles)}):"
                             " save weights with np.savez")
    local = {p.stem for p in folder.glob("*.py")}
    allowed = set(sys.stdlib_module_names) | {"numpy", "dlbasics"} | local
    for path in sorted(folder.glob("*.py")):
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        except (SyntaxError, UnicodeDecodeError) as exc:
            raise ScoringRefused("syntax", f"{path.name} cannot be parsed: {exc}") from None
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            for name in names:
                if name.split(".")[0] not in allowed:
                    raise ScoringRefused(
                        "forbidden import",
                        f"{path.name} line {node.lineno}: import of {name!r} is not allowed; "
                        "only NumPy, the standard library and dlbasics may be imported")
