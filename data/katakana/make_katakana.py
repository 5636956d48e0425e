"""Generate the course's handwritten-katakana data set: KanjiVG strokes drawn by simulated writers.

Fifteen katakana (ア イ ウ エ オ カ キ ク ケ コ サ シ ス セ ソ, labels 0-14) are drawn stroke by
stroke from KanjiVG's stroke paths (strokes.json, CC BY-SA 3.0) by simulated writers. Each
writer has a style of their own (slant, rotation, aspect, size, position, pen width and type,
pressure, stroke-end shapes, wobble, ink level, fading, paper noise) and their own habits for
each character (where they put each stroke, how long they make it); each image adds a writer's
everyday variation to that. Training and test writers are disjoint. A third split, "holdout",
draws writers from a different, harder family (see HOLDOUT_FAMILY); it is never written to
disk by default and serves only to estimate how a model does on hands unlike any in the data.

Every image draws its randomness from its own generator,
``np.random.default_rng([seed, split_id, class_id, index])``, every writer's style from
``default_rng([seed, split_id, WRITER_KEY, writer])``; only NumPy arithmetic is used, so the
same seed gives bit-identical arrays, and the first k images per class of any run are those of
the full run.

Usage (from the repository root)::

    python data/katakana/make_katakana.py                       # full data set + checksums
    python data/katakana/make_katakana.py --per-class-limit 5 \\
        --train-out /tmp/train.npz --test-out /tmp/test.npz    # quick subset

Outputs (np.savez_compressed): ``x`` uint8 (N, 1, 28, 28), ink 255 on background 0;
``t`` int64 (N,); ``classes`` (15,) str; ``writer`` int64 (N,), the writer of each image.
"""

import argparse
import functools
import hashlib
import json
import re
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

CLASSES = tuple("アイウエオカキクケコサシスセソ")
SPLIT_IDS = {"train": 0, "test": 1, "holdout": 2}
PER_CLASS = {
    "train": (200,) * 15,
    "test": (1300,) * 5 + (800,) * 10,
    "holdout": (200,) * 15,
}
# Few writers for training (as in a class), many for the test; ids never overlap between
# splits: writer w of a split has id WRITER_ID_BASE[split] + w.
WRITERS = {"train": 10, "test": 50, "holdout": 40}
WRITER_ID_BASE = {"train": 0, "test": 100, "holdout": 200}
WRITER_KEY, HABIT_KEY = 1000, 1001   # keep writer and habit generators apart from images
DEFAULT_SEED = 20251202
IMAGE_SIZE = 28
SUPERSAMPLE = 2                       # render at 56 x 56, then average 2 x 2 blocks
POINT_SPACING = 0.004                 # along a stroke, in units of the character's size

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parents[1]
STROKES_FILE = HERE / "strokes.json"
DEFAULT_OUTPUTS = {
    # the training set is package data of dlbasics (it travels in the wheel)
    "train": REPO_ROOT / "lib" / "dlbasics" / "data" / "katakana" / "katakana_train.npz",
    # The test set is for grading only: it must never live under data/ or notebooks/.
    "test": REPO_ROOT / "grading" / "katakana" / "katakana_test.npz",
}
DEFAULT_CHECKSUMS = HERE / "checksums.json"
DEFAULT_SAMPLES = HERE / "samples.png"
SAMPLES_PER_CLASS = 8


@dataclass(frozen=True)
class Family:
    """How writers of one population differ: every range a writer's style is drawn from.

    Angles in degrees, lengths in units of the character's size unless they say px (pixels of
    the 28 x 28 frame). (lo, hi) pairs are uniform ranges; single numbers are standard
    deviations or maxima, as named.
    """

    slant: tuple[float, float] = (-0.30, 0.12)     # shear x += slant * y (negative: forward)
    rotation: float = 6.0                          # writer's mean rotation, +- degrees
    log_aspect: float = 0.15                       # width / height scaled by exp(+-)
    box_px: tuple[float, float] = (15.0, 22.0)     # longer side of the character
    offset_px: float = 2.0                         # writer's mean off-centre placement
    pens: tuple[str, ...] = ("ballpoint", "felt", "brush")
    pen_px: tuple[float, float] = (1.0, 3.0)       # pen width (diameter)
    taper: tuple[float, float] = (0.0, 0.7)        # thinning at stroke ends (brush pens)
    hook: float = 0.5                              # probability of a flick at stroke ends
    wobble_px: tuple[float, float] = (0.0, 0.5)    # slow wavering of a stroke
    tremor_px: tuple[float, float] = (0.0, 0.15)   # fast shaking
    habit: tuple[float, float] = (0.01, 0.05)      # writer's own stroke placement per class
    placement: tuple[float, float] = (0.005, 0.03) # day-to-day stroke placement error
    length: tuple[float, float] = (0.02, 0.12)     # stroke length error (log scale)
    rounding: tuple[float, float] = (0.0, 0.04)    # corner rounding (fast writing)
    reverse: float = 0.05                          # probability to draw a stroke backwards
    ink: tuple[float, float] = (0.55, 1.0)         # peak ink
    fade: tuple[float, float] = (0.0, 0.35)        # ink lost along a stroke (pen drying)
    noise: tuple[float, float] = (0.0, 0.04)       # paper noise, fraction of full scale
    blur: tuple[float, float] = (0.0, 0.6)         # scan blur, px
    jitter: float = 1.0                            # scale of each image's own variation


# Training and test writers: wider than the defaults (issue 13: a reference trained on them
# must generalise to unlike hands), every range still inside HOLDOUT_FAMILY's.
TRAIN_FAMILY = Family(
    slant=(-0.36, 0.18), rotation=8.0, log_aspect=0.18, box_px=(14.0, 23.0), offset_px=2.5,
    pen_px=(0.9, 3.2), taper=(0.0, 0.8), hook=0.6, wobble_px=(0.05, 0.55),
    tremor_px=(0.0, 0.18), habit=(0.015, 0.05), placement=(0.02, 0.04), length=(0.04, 0.145),
    rounding=(0.0, 0.045), reverse=0.1, ink=(0.5, 1.0), fade=(0.0, 0.4), noise=(0.0, 0.045),
    blur=(0.0, 0.65), jitter=1.1,
)
# Unlike any training writer: stronger and both-way slant, more rotation, wobble, tremor and
# habits, sizes and positions beyond the training range, thicker and thinner pens, a pencil.
HOLDOUT_FAMILY = Family(
    slant=(-0.45, 0.25), rotation=10.0, log_aspect=0.22, box_px=(13.0, 24.0), offset_px=3.0,
    pens=("ballpoint", "felt", "brush", "pencil"), pen_px=(0.8, 3.4), taper=(0.0, 0.85),
    hook=0.7, wobble_px=(0.1, 0.6), tremor_px=(0.02, 0.2), habit=(0.02, 0.055),
    placement=(0.015, 0.04), length=(0.04, 0.15), rounding=(0.0, 0.05), reverse=0.15,
    ink=(0.45, 1.0), fade=(0.0, 0.45), noise=(0.0, 0.05), blur=(0.0, 0.7), jitter=1.15,
)
FAMILIES = {"train": TRAIN_FAMILY, "test": TRAIN_FAMILY, "holdout": HOLDOUT_FAMILY}


# --------------------------------------------------------------------------- strokes


def _cubic_points(p0, c1, c2, p3, steps=24):
    s = np.linspace(0.0, 1.0, steps)[:, None]
    return ((1 - s) ** 3 * p0 + 3 * (1 - s) ** 2 * s * c1 + 3 * (1 - s) * s ** 2 * c2
            + s ** 3 * p3)


def parse_path(d):
    """Points along an SVG path made of M, C, S commands (absolute or relative): (K, 2)."""
    tokens = re.findall(r"[MmCcSs]|-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?", d)
    pieces, current, reflect, i = [], np.zeros(2), None, 0
    command = None
    while i < len(tokens):
        if tokens[i].isalpha():
            command, i = tokens[i], i + 1
        count = {"m": 2, "c": 6, "s": 4}[command.lower()]
        values = np.array(tokens[i:i + count], dtype=np.float64).reshape(-1, 2)
        i += count
        if command.islower():
            values = values + current
        if command in "Mm":
            current, reflect = values[0], None
            pieces.append(current[None, :])
            continue
        if command in "Cc":
            c1, c2, end = values
        else:
            c1 = 2 * current - reflect if reflect is not None else current
            c2, end = values
        pieces.append(_cubic_points(current, c1, c2, end)[1:])
        current, reflect = end, c2
    return np.concatenate(pieces)


def resample(points, spacing):
    """Points at equal arc-length spacing along a polyline (first and last kept)."""
    step = np.linalg.norm(np.diff(points, axis=0), axis=1)
    arc = np.concatenate([[0.0], np.cumsum(step)])
    count = max(int(np.ceil(arc[-1] / spacing)) + 1, 2)
    where = np.linspace(0.0, arc[-1], count)
    return np.stack([np.interp(where, arc, points[:, k]) for k in range(2)], axis=1)


@functools.lru_cache(maxsize=None)
def glyph_strokes(char):
    """The character's strokes in writing order, centred, longer side 1: tuple of (K, 2)."""
    document = json.loads(STROKES_FILE.read_text(encoding="utf-8"))
    strokes = [parse_path(d) for d in document["strokes"][char]]
    every = np.concatenate(strokes)
    low, high = every.min(axis=0), every.max(axis=0)
    centre, size = (low + high) / 2, (high - low).max()
    result = tuple(resample((s - centre) / size, POINT_SPACING) for s in strokes)
    for stroke in result:
        stroke.setflags(write=False)
    return result


# --------------------------------------------------------------------------- writers


@dataclass(frozen=True)
class Writer:
    """One simulated writer's style (drawn once per writer from a Family)."""

    slant: float
    rotation: float
    log_aspect: float
    box_px: float
    offset: tuple[float, float]
    pen: str
    pen_px: float
    taper: float
    hook: float
    wobble_px: float
    tremor_px: float
    habit: float
    placement: float
    length: float
    rounding: float
    reverse: float
    ink: float
    fade: float
    noise: float
    blur: float
    jitter: float


def draw_writer(family, rng):
    """A writer's style from a family of writers."""
    def u(pair):
        return float(rng.uniform(*pair))

    return Writer(
        slant=u(family.slant), rotation=u((-family.rotation, family.rotation)),
        log_aspect=u((-family.log_aspect, family.log_aspect)), box_px=u(family.box_px),
        offset=tuple(rng.uniform(-family.offset_px, family.offset_px, size=2).tolist()),
        pen=str(rng.choice(family.pens)), pen_px=u(family.pen_px), taper=u(family.taper),
        hook=float(rng.random() < family.hook), wobble_px=u(family.wobble_px),
        tremor_px=u(family.tremor_px), habit=u(family.habit), placement=u(family.placement),
        length=u(family.length), rounding=u(family.rounding), reverse=family.reverse,
        ink=u(family.ink), fade=u(family.fade), noise=u(family.noise), blur=u(family.blur),
        jitter=family.jitter,
    )


@functools.lru_cache(maxsize=None)
def writer_style(split, seed, writer):
    return draw_writer(FAMILIES[split], np.random.default_rng([seed, SPLIT_IDS[split],
                                                                WRITER_KEY, writer]))


def stroke_moves(rng, count, size):
    """Per-stroke translation (count, 2), rotation (count,) and log-scale (count,)."""
    return (rng.normal(0, size, (count, 2)), rng.normal(0, 2.5 * size, count),
            rng.normal(0, 2.0 * size, count))


def move_strokes(strokes, moves):
    """Translate, rotate and scale each stroke about its own centre."""
    shifts, angles, log_scales = moves
    moved = []
    for stroke, shift, angle, log_scale in zip(strokes, shifts, angles, log_scales):
        centre = stroke.mean(axis=0)
        cos, sin = np.cos(angle), np.sin(angle)
        turn = np.array([[cos, -sin], [sin, cos]]) * np.exp(log_scale)
        moved.append((stroke - centre) @ turn.T + centre + shift)
    return moved


def change_length(stroke, start, end):
    """Trim (positive) or extend (negative) a stroke at either end, in units of its length."""
    n = len(stroke)
    where = np.linspace(start, 1.0 - end, n) * (n - 1)
    inside = np.clip(where, 0, n - 1)
    base = np.stack([np.interp(inside, np.arange(n), stroke[:, k]) for k in range(2)], axis=1)
    head = stroke[1] - stroke[0]
    tail = stroke[-1] - stroke[-2]
    base += np.minimum(where, 0)[:, None] * head + np.maximum(where - (n - 1), 0)[:, None] * tail
    return base


def round_corners(stroke, width):
    """Moving average over width (units of the character) with ends held: fast writing."""
    k = int(width / POINT_SPACING)
    if k < 2 or len(stroke) < 3:
        return stroke
    padded = np.concatenate([np.repeat(stroke[:1], k, 0), stroke, np.repeat(stroke[-1:], k, 0)])
    kernel = np.ones(2 * k + 1) / (2 * k + 1)
    return np.stack([np.convolve(padded[:, j], kernel, mode="valid") for j in range(2)], axis=1)


# --------------------------------------------------------------------------- drawing


def pen_profile(writer, count, hooked, rng):
    """Width factor and ink factor at each of count points of a stroke, in drawing order."""
    s = np.linspace(0.0, 1.0, count)
    pressure = 1.0 + 0.15 * np.sin(2 * np.pi * (rng.uniform(0.5, 1.5) * s + rng.random()))
    width = np.ones(count)
    ink = np.ones(count)
    if writer.pen == "brush":
        attack = np.clip(s / 0.15, 0.0, 1.0)
        release = np.clip((1.0 - s) / (0.35 if hooked else 0.2), 0.0, 1.0)
        width = (1.0 - writer.taper) + writer.taper * np.minimum(attack, release) ** 0.7
        width = width * pressure
    elif writer.pen == "ballpoint":
        ink = 0.75 + 0.25 * pressure
    elif writer.pen == "pencil":
        ink = rng.uniform(0.55, 1.0, count) * (0.8 + 0.2 * pressure)
    else:  # felt pen: even width, a small blot where the pen rests at the start
        width = 1.0 + 0.25 * np.exp(-s / 0.03)
    ink = ink * (1.0 - writer.fade * s * rng.uniform(0.5, 1.5))
    return width, ink


def add_hook(stroke, rng):
    """A short flick at the end of a stroke (hane), bent away from its direction."""
    tail = stroke[-1] - stroke[-min(6, len(stroke))]
    angle = np.arctan2(tail[1], tail[0]) + rng.choice([-1.0, 1.0]) * rng.uniform(1.0, 2.2)
    length = rng.uniform(0.03, 0.08)
    steps = np.arange(1, int(length / POINT_SPACING) + 1)[:, None] * POINT_SPACING
    return np.concatenate([stroke, stroke[-1] + steps * [np.cos(angle), np.sin(angle)]])


def waver(points, writer, jitter, rng):
    """Displace a stroke (frame px) across its direction: slow wobble plus fast tremor."""
    count = len(points)
    if count < 3:
        return points
    s = np.linspace(0.0, 1.0, count)
    slow = sum(rng.normal(0, 1) * np.sin(2 * np.pi * (rng.uniform(0.5, 2.5) * s + rng.random()))
               for _ in range(2))
    fast = np.convolve(rng.normal(0, 1, count + 8), np.ones(9) / 3.0, mode="valid")
    shift = writer.wobble_px * jitter * slow / 1.4 + writer.tremor_px * fast
    direction = np.gradient(points, axis=0)
    normal = np.stack([-direction[:, 1], direction[:, 0]], axis=1)
    normal /= np.maximum(np.linalg.norm(normal, axis=1, keepdims=True), 1e-12)
    return points + shift[:, None] * normal


def shape_strokes(class_id, writer, habit_rng, rng):
    """The writer's strokes for one image, in units of the character: list of (K, 2)."""
    strokes = glyph_strokes(CLASSES[class_id])
    count, jitter = len(strokes), writer.jitter
    strokes = move_strokes(strokes, stroke_moves(habit_rng, count, writer.habit))
    strokes = move_strokes(strokes, stroke_moves(rng, count, writer.placement * jitter))
    strokes = [change_length(s, *rng.normal(0, writer.length * jitter, 2)) for s in strokes]
    strokes = [round_corners(s, writer.rounding * rng.uniform(0.5, 1.5)) for s in strokes]
    slant = writer.slant + rng.normal(0, 0.05 * jitter)
    angle = np.deg2rad(writer.rotation + rng.normal(0, 3.0 * jitter))
    aspect = np.exp(writer.log_aspect + rng.normal(0, 0.05 * jitter))
    cos, sin = np.cos(angle), np.sin(angle)
    matrix = (np.array([[cos, -sin], [sin, cos]]) @ np.array([[1.0, slant], [0.0, 1.0]])
              @ np.diag([aspect, 1.0 / aspect]))
    return [s @ matrix.T for s in strokes]


def place(strokes, writer, rng):
    """Scale and move the strokes into the 28 x 28 frame (px), keeping them inside it."""
    every = np.concatenate(strokes)
    low, high = every.min(axis=0), every.max(axis=0)
    scale = writer.box_px * np.exp(rng.normal(0, 0.06 * writer.jitter)) / (high - low).max()
    centre = IMAGE_SIZE / 2 + np.array(writer.offset) + rng.normal(0, 0.7 * writer.jitter, 2)
    half = (high - low) * scale / 2
    margin = writer.pen_px + 0.5
    centre = np.clip(centre, margin + half, IMAGE_SIZE - margin - half)
    return [(s - (low + high) / 2) * scale + centre for s in strokes]


def render(strokes, radii, inks):
    """Ink coverage of round-pen strokes: float (28, 28) in [0, 1].

    Every point of a stroke stamps a disc of its radius (px) with anti-aliased edges; where
    strokes cross, the darker one wins. Rendered at SUPERSAMPLE x resolution, then averaged.
    """
    points, radius, ink = (np.concatenate(a) for a in (strokes, radii, inks))
    size = IMAGE_SIZE * SUPERSAMPLE
    centres = (np.arange(size) + 0.5) / SUPERSAMPLE
    canvas = np.zeros((size, size))
    for start in range(0, len(points), 256):
        p, r, k = (a[start:start + 256] for a in (points, radius, ink))
        dy = (centres[:, None] - p[None, :, 1]) ** 2
        dx = (centres[:, None] - p[None, :, 0]) ** 2
        distance = np.sqrt(dy[:, None, :] + dx[None, :, :])
        cover = np.clip((r - distance) * SUPERSAMPLE + 0.5, 0.0, 1.0) * k
        canvas = np.maximum(canvas, cover.max(axis=2))
    return canvas.reshape(IMAGE_SIZE, SUPERSAMPLE, IMAGE_SIZE, SUPERSAMPLE).mean(axis=(1, 3))


def gaussian_blur(image, sigma):
    """Separable Gaussian blur with a 5-tap kernel (zero padding)."""
    taps = np.arange(-2, 3, dtype=np.float64)
    kernel = np.exp(-0.5 * (taps / sigma) ** 2)
    kernel /= kernel.sum()
    padded = np.pad(image, 2)
    rows = sum(k * padded[:, i:i + image.shape[1]] for i, k in enumerate(kernel))
    return sum(k * rows[i:i + image.shape[0], :] for i, k in enumerate(kernel))


def make_image(class_id, writer, habit_rng, rng):
    """One 28 x 28 image of class class_id written by writer: uint8, ink bright on dark."""
    strokes = shape_strokes(class_id, writer, habit_rng, rng)
    hooked = [bool(writer.hook) and rng.random() < 0.35 for _ in strokes]
    strokes = [add_hook(s, rng) if h else s for s, h in zip(strokes, hooked)]
    backwards = rng.random(len(strokes)) < writer.reverse
    strokes = [s[::-1] if b else s for s, b in zip(strokes, backwards)]
    strokes = [waver(s, writer, writer.jitter, rng) for s in place(strokes, writer, rng)]
    pen = writer.pen_px * np.exp(rng.normal(0, 0.08))
    radii, inks = [], []
    for stroke, hook in zip(strokes, hooked):
        width, ink = pen_profile(writer, len(stroke), hook, rng)
        radii.append(np.maximum(pen * width / 2, 0.3))
        inks.append(ink)
    frame = render(strokes, radii, inks)
    if writer.blur > 0.15:
        frame = gaussian_blur(frame, writer.blur * rng.uniform(0.7, 1.3))
    # A scanner levels the page: the darkest strokes reach the writer's ink level.
    frame *= writer.ink * rng.uniform(0.9, 1.0) / max(np.percentile(frame, 99.5), 0.2)
    if writer.pen == "pencil":
        frame *= rng.uniform(0.7, 1.0, frame.shape)
    frame += rng.normal(0.0, writer.noise, frame.shape)
    return np.rint(np.clip(frame, 0.0, 1.0) * 255.0).astype(np.uint8)


# --------------------------------------------------------------------------- data set


def generate_split(split, seed=DEFAULT_SEED, per_class_limit=None):
    """Generate one split ("train", "test" or "holdout").

    seed -- base seed; image i of class c uses default_rng([seed, split_id, c, i])
    per_class_limit -- if given, only the first per_class_limit images of each class
    Returns dict with x uint8 (N, 1, 28, 28), t int64 (N,), classes (15,) str, writer int64
    (N,), ordered by class, then index. Writers take turns (image i has writer i mod the
    number of writers), so every writer writes every class about equally often.
    """
    split_id = SPLIT_IDS[split]
    images, labels, writers = [], [], []
    for class_id in range(len(CLASSES)):
        count = PER_CLASS[split][class_id]
        if per_class_limit is not None:
            count = min(count, per_class_limit)
        for index in range(count):
            writer = index % WRITERS[split]
            habit_rng = np.random.default_rng([seed, split_id, HABIT_KEY, writer, class_id])
            rng = np.random.default_rng([seed, split_id, class_id, index])
            images.append(make_image(class_id, writer_style(split, seed, writer),
                                     habit_rng, rng))
            labels.append(class_id)
            writers.append(WRITER_ID_BASE[split] + writer)
    return {
        "x": np.stack(images)[:, np.newaxis, :, :],
        "t": np.array(labels, dtype=np.int64),
        "classes": np.array(CLASSES),
        "writer": np.array(writers, dtype=np.int64),
    }


def array_checksum(x, t):
    """sha256 of the image and label bytes (zip timestamps make file hashes unstable)."""
    return hashlib.sha256(x.tobytes() + t.tobytes()).hexdigest()


def write_samples(arrays, path, per_class=SAMPLES_PER_CLASS, zoom=3):
    """A PNG of the first per_class images of each class: one row per class, ink dark."""
    from matplotlib.image import imsave  # only here: the generator itself needs NumPy only

    rows = [arrays["x"][arrays["t"] == c][:per_class, 0] for c in range(len(CLASSES))]
    grid = np.concatenate([np.concatenate(list(row), axis=1) for row in rows], axis=0)
    grid = np.kron(255 - grid, np.ones((zoom, zoom), dtype=np.uint8))
    imsave(path, grid, cmap="gray", vmin=0, vmax=255)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--train-out", type=Path, default=DEFAULT_OUTPUTS["train"])
    parser.add_argument("--test-out", type=Path, default=DEFAULT_OUTPUTS["test"])
    parser.add_argument("--checksums-out", type=Path, default=None,
                        help=f"default: {DEFAULT_CHECKSUMS.relative_to(REPO_ROOT)} for a "
                             "full run, none with --per-class-limit")
    parser.add_argument("--per-class-limit", type=int, default=None,
                        help="only the first K images of each class (a quick subset)")
    args = parser.parse_args(argv)
    if args.per_class_limit is not None and args.per_class_limit < 1:
        parser.error("--per-class-limit must be at least 1")
    checksums_out = args.checksums_out
    if checksums_out is None and args.per_class_limit is None:
        checksums_out = DEFAULT_CHECKSUMS

    checksums = {"seed": args.seed, "per_class_limit": args.per_class_limit}
    for split, out in (("train", args.train_out), ("test", args.test_out)):
        start = time.perf_counter()
        arrays = generate_split(split, args.seed, args.per_class_limit)
        out.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(out, **arrays)
        checksums[split] = {"n": int(len(arrays["t"])),
                            "sha256": array_checksum(arrays["x"], arrays["t"])}
        print(f"{split}: {len(arrays['t'])} images in {time.perf_counter() - start:.1f} s "
              f"-> {out} ({out.stat().st_size / 1e6:.2f} MB)")
        if split == "train" and args.per_class_limit is None:
            write_samples(arrays, DEFAULT_SAMPLES)
            print(f"samples -> {DEFAULT_SAMPLES}")
    if checksums_out is not None:
        checksums_out.write_text(json.dumps(checksums, indent=2) + "\n", encoding="utf-8")
        print(f"checksums -> {checksums_out}")


if __name__ == "__main__":
    main()
