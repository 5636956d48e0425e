"""Child process of the katakana scorer: runs one submission on images from stdin.

Protocol: the parent writes one ``.npy`` array (N, 1, 28, 28) uint8 to stdin; this
process imports ``submission.py`` from the folder given as argv[1], calls
``preprocess`` and ``predict`` on batches of ``argv[2]`` images and writes one ``.npy``
array of probabilities (N, 15) to stdout. Anything the submission prints goes to
stderr. A problem ends the process with exit code 3 after a line
``DLCOURSE-ERROR: <json>`` on stderr.

Guards, installed before the submission is imported (an audit hook cannot be removed
by Python code):
- imports: only the standard library, NumPy and dlbasics (and what those had already
  loaded) may be imported; anything else is refused;
- files: only files inside the submission folder and the Python installation may be
  opened; the test set, other students' folders and the gradebook may not.
"""

import importlib.util
import io
import json
import os
import sys

import numpy as np

import dlbasics.functions  # noqa: F401  (loaded before the guards: allowed for submissions)
import dlbasics.layers  # noqa: F401
import dlbasics.networks  # noqa: F401

NUM_CLASSES = 15
ALLOWED_TOP_LEVEL = set(sys.stdlib_module_names) | {"numpy", "dlbasics"}


VIOLATIONS = []


class SubmissionError(Exception):
    """A problem with the submission, reported to the parent with a kind and a message."""

    def __init__(self, kind, message):
        super().__init__(message)
        self.kind = kind


def fail(kind, message):
    sys.stderr.write("DLCOURSE-ERROR: " + json.dumps({"kind": kind, "message": message}) + "\n")
    sys.stderr.flush()
    os._exit(3)


def install_guards(submission_dir):
    submission_dir = os.path.realpath(submission_dir)
    preloaded = {name.split(".")[0] for name in sys.modules}
    readable_roots = {os.path.realpath(p) for p in
                      (sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix)}
    readable_roots |= {os.path.realpath(os.path.dirname(os.path.dirname(np.__file__))),
                       os.path.realpath(os.path.dirname(os.path.dirname(dlbasics.__file__)))}

    def allowed_path(path):
        if isinstance(path, int):
            return True  # an already open file descriptor
        real = os.path.realpath(os.fsdecode(path))
        if real == submission_dir or real.startswith(submission_dir + os.sep):
            return True
        if real in ("/dev/null", "/dev/urandom"):
            return True
        return any(real.startswith(root + os.sep) for root in readable_roots)

    def hook(event, args):
        if event == "import":
            top = args[0].split(".")[0]
            if top and top not in ALLOWED_TOP_LEVEL and top not in preloaded:
                raise SubmissionError(
                    "forbidden import",
                    f"import of {args[0]!r} is not allowed: only NumPy, the standard library "
                    "and dlbasics may be imported")
        elif event == "open":
            if not allowed_path(args[0]):
                raise SubmissionError(
                    "forbidden file access",
                    f"opening {os.fsdecode(args[0])!r} is not allowed: a submission may only "
                    "read files inside its own folder")

    def recording_hook(event, args):
        try:
            hook(event, args)
        except SubmissionError as exc:
            VIOLATIONS.append(exc)  # kept even if the submission catches the exception
            raise

    sys.addaudithook(recording_hook)


def load_submission(submission_dir):
    path = os.path.join(submission_dir, "submission.py")
    spec = importlib.util.spec_from_file_location("submission", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["submission"] = module
    sys.path.insert(0, submission_dir)
    spec.loader.exec_module(module)
    for name in ("preprocess", "predict"):
        if not callable(getattr(module, name, None)):
            raise SubmissionError("contract", f"submission.py must define a function {name}()")
    return module


def check_probabilities(probs, batch_len, start):
    where = f"predict() on images {start}..{start + batch_len - 1}"
    if not isinstance(probs, np.ndarray):
        raise SubmissionError("wrong output", f"{where} returned {type(probs).__name__}, "
                              "not a NumPy array")
    if probs.shape != (batch_len, NUM_CLASSES):
        raise SubmissionError("wrong shape", f"{where} returned shape {probs.shape}; expected "
                              f"({batch_len}, {NUM_CLASSES})")
    if not np.issubdtype(probs.dtype, np.number):
        raise SubmissionError("wrong output", f"{where} returned dtype {probs.dtype}")
    if not np.all(np.isfinite(probs)):
        bad = int(np.sum(~np.all(np.isfinite(probs), axis=1)))
        raise SubmissionError("not finite", f"{where} returned NaN or inf in {bad} rows")
    if np.any(probs < 0) or not np.allclose(probs.sum(axis=1), 1.0, atol=1e-3):
        raise SubmissionError("not probabilities", f"{where}: each row must be non-negative "
                              "and sum to 1 (apply softmax)")


def main():
    submission_dir, batch_size = sys.argv[1], int(sys.argv[2])
    protocol_out = os.fdopen(os.dup(1), "wb")
    sys.stdout = sys.stderr  # the submission's prints must not corrupt the protocol
    os.dup2(2, 1)
    images = np.load(io.BytesIO(sys.stdin.buffer.read()), allow_pickle=False)
    install_guards(submission_dir)
    try:
        module = load_submission(submission_dir)
        outputs = []
        for start in range(0, len(images), batch_size):
            raw = images[start:start + batch_size].copy()
            probs = module.predict(module.preprocess(raw))
            probs = np.asarray(probs) if isinstance(probs, (list, tuple)) else probs
            check_probabilities(probs, len(raw), start)
            outputs.append(np.asarray(probs, dtype=np.float64))
        if VIOLATIONS:
            raise VIOLATIONS[0]
    except SubmissionError as exc:
        fail(exc.kind, str(VIOLATIONS[0] if VIOLATIONS else exc))
    except MemoryError:
        fail("memory", "the submission ran out of memory (the limit is set by the scorer)")
    except BaseException as exc:  # noqa: BLE001  (any crash of student code is reported)
        fail("crash", f"{type(exc).__name__}: {exc}")
    buffer = io.BytesIO()  # np.save needs a seekable file; a pipe is not
    np.save(buffer, np.concatenate(outputs), allow_pickle=False)
    protocol_out.write(buffer.getvalue())
    protocol_out.flush()


if __name__ == "__main__":
    main()
