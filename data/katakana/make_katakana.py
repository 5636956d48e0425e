"""Generate the course's handwritten-katakana dataset from Debian's Japanese fonts.

Fifteen katakana (ア イ ウ エ オ カ キ ク ケ コ サ シ ス セ ソ, labels 0-14) are drawn from
handwriting, brush and ordinary fonts, then distorted the way writers differ: stroke width,
rotation, shear, aspect, elastic wobble, size, off-centre placement, blur, faint ink and noise.
The training and test sets use disjoint fonts, so the test set plays the part of unseen writers.

Every image draws its randomness from its own generator,
``np.random.default_rng([seed, split_id, class_id, index])``, and its font from its index, so
the same seed gives bit-identical arrays and the first k images per class of any run are the
same as those of the full run.

Usage (from the repository root; fonts: ``sudo bash data/katakana/install_fonts.sh``)::

    python data/katakana/make_katakana.py                       # full data set + checksums
    python data/katakana/make_katakana.py --per-class-limit 5 \\
        --train-out /tmp/train.npz --test-out /tmp/test.npz    # quick subset

Outputs (np.savez_compressed): ``x`` uint8 (N, 1, 28, 28), ink 255 on background 0;
``t`` int64 (N,); ``classes`` (15,) str; ``font`` (N,) str, the font of each image.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import json
import time
from pathlib import Path
from typing import NamedTuple

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

CLASSES = tuple("アイウエオカキクケコサシスセソ")
SPLIT_IDS = {"train": 0, "test": 1}
PER_CLASS = {
    "train": (200,) * 15,
    "test": (1300,) * 5 + (800,) * 10,
}
DEFAULT_SEED = 20250707
IMAGE_SIZE = 28

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_OUTPUTS = {
    # the training set is package data of dlbasics (it travels in the wheel)
    "train": REPO_ROOT / "lib" / "dlbasics" / "data" / "katakana" / "katakana_train.npz",
    # The test set is for grading only: it must never live under data/ or notebooks/.
    "test": REPO_ROOT / "grading" / "katakana" / "katakana_test.npz",
}
DEFAULT_CHECKSUMS = REPO_ROOT / "data" / "katakana" / "checksums.json"
INSTALL_SCRIPT = "data/katakana/install_fonts.sh"

# An unassigned code point: every font answers it with its .notdef glyph (a box, or nothing),
# so a katakana that renders identically to it is missing from the font.
UNASSIGNED_CODEPOINT = "\u0378"

# High-resolution working canvas: the glyph's longer side is scaled to GLYPH_SIZE pixels and
# every distortion happens here, before one anti-aliased reduction to 28 x 28.
CANVAS_SIZE = 144
GLYPH_SIZE = 64

# How much writers differ: the one place to make the data set easier or harder.
# Canvas pixels are about 3.2 times smaller than 28 x 28 frame pixels.
STROKE_WIDTH_RANGE = (4.0, 10.5)      # target stroke width, canvas pixels
ROTATION_DEGREES = 8.0                # uniform in +-ROTATION_DEGREES
SHEAR = 0.15                          # uniform in +-SHEAR
LOG_ASPECT = 0.12                     # width / height multiplied by exp(uniform +-LOG_ASPECT)
ELASTIC_MAX = 2.0                     # elastic displacement scale, canvas pixels
BOX_RANGE = (17.0, 21.0)              # longer side of the character in the frame, pixels
OFFSET = 1.0                          # centre of mass moved by up to +-OFFSET frame pixels
BLUR_PROBABILITY, BLUR_SIGMA = 0.5, (0.4, 0.9)
FAINT_PROBABILITY, FAINT_PEAK = 0.2, (0.45, 0.8)
NOISE_PROBABILITY, NOISE_SIGMA = 0.3, (0.01, 0.06)


class FontSpec(NamedTuple):
    """One font face, standing for one "writer".

    name -- label stored in the ``font`` array
    package -- Debian package that installs it
    paths -- candidate file paths, first existing one wins
    licence -- licence of the font files (see /usr/share/doc/<package>/copyright)
    style -- "handwriting", "brush" or "ordinary"
    index -- face index inside a .ttc collection
    """

    name: str
    package: str
    paths: tuple[str, ...]
    licence: str
    style: str
    index: int = 0


_TT = "/usr/share/fonts/truetype/"
_OT = "/usr/share/fonts/opentype/"

TRAIN_FONTS = (
    FontSpec("Klee One Regular", "fonts-klee", (_TT + "klee/KleeOne-Regular.ttf",),
             "OFL-1.1", "handwriting"),
    FontSpec("Kiloji", "fonts-kiloji", (_TT + "kiloji/kiloji.ttf",),
             "BSD-3-Clause", "handwriting"),
    FontSpec("Yozvox Yozfont (cute kana)", "fonts-yozvox-yozfont-cute",
             (_TT + "yozvox-yozfont/YOzRC_.ttf",), "OFL-1.1", "handwriting"),
    FontSpec("Kouzan Mouhitsu", "fonts-kouzan-mouhitsu",
             (_TT + "kouzan-mouhitsu/kouzan-mouhitsu.ttf",), "public domain", "brush"),
    FontSpec("Kouzan Brush Sousyo", "fonts-kouzan-mouhitsu",
             (_TT + "kouzan-mouhitsu/KouzanBrushFontSousyo.ttf",), "public domain", "brush"),
    FontSpec("Aoyagi Soseki", "fonts-aoyagi-soseki",
             (_TT + "aoyagi-soseki/aoyagi-soseki.ttf",), "public domain", "brush"),
    FontSpec("IPAex Gothic", "fonts-ipaexfont-gothic",
             (_OT + "ipaexfont-gothic/ipaexg.ttf",), "IPA-1.0", "ordinary"),
    FontSpec("IPA Mincho", "fonts-ipafont-mincho",
             (_OT + "ipafont-mincho/ipam.ttf",), "IPA-1.0", "ordinary"),
    FontSpec("Noto Sans CJK JP Regular", "fonts-noto-cjk",
             (_OT + "noto/NotoSansCJK-Regular.ttc",), "OFL-1.1", "ordinary", index=0),
    FontSpec("M+ 1 Regular", "fonts-mplus", (_OT + "mplus/Mplus1-Regular.otf",),
             "OFL-1.1", "ordinary"),
    FontSpec("Motoya L Cedar", "fonts-motoya-l-cedar", (_TT + "motoya-l-cedar/MTLc3m.ttf",),
             "Apache-2.0", "ordinary"),
    FontSpec("Sawarabi Mincho", "fonts-sawarabi-mincho",
             (_TT + "sawarabi-mincho/sawarabi-mincho-medium.ttf",), "OFL-1.1 or CC-BY-SA-3.0",
             "ordinary"),
    FontSpec("Konatu", "fonts-konatu", (_TT + "konatu/Konatu.ttf",), "MIT", "ordinary"),
    FontSpec("Dejima Mincho", "fonts-dejima-mincho",
             (_TT + "dejima-mincho/dejima-mincho-r227.ttf",), "MIT", "ordinary"),
)

TEST_FONTS = (
    FontSpec("Seto", "fonts-seto", (_TT + "seto/setofont.ttf",), "OFL-1.1", "handwriting"),
    FontSpec("Yusei Magic", "fonts-yusei-magic", (_TT + "yusei-magic/YuseiMagic-Regular.ttf",),
             "OFL-1.1", "handwriting"),
    FontSpec("Yozvox Yozfont (standard kana)", "fonts-yozvox-yozfont-standard-kana",
             (_TT + "yozvox-yozfont/YOzRS_.ttf",), "OFL-1.1", "handwriting"),
    FontSpec("Aoyagi Kouzan T", "fonts-aoyagi-kouzan-t",
             (_TT + "aoyagi-kouzan-t/AoyagiKouzanT.ttf",), "public domain", "brush"),
    FontSpec("Ume Gothic O5", "fonts-horai-umefont", (_TT + "horai-umefont/ume-tgo5.ttf",),
             "UmeFont licence (free use, copy, redistribution)", "ordinary"),
    FontSpec("Motoya L Maruberi", "fonts-motoya-l-maruberi",
             (_TT + "motoya-l-maruberi/MTLmr3m.ttf",), "Apache-2.0", "ordinary"),
    FontSpec("Sawarabi Gothic", "fonts-sawarabi-gothic",
             (_TT + "sawarabi-gothic/sawarabi-gothic-medium.ttf",), "CC-BY-3.0", "ordinary"),
    FontSpec("Hanazono Mincho A", "fonts-hanazono", (_TT + "hanazono/HanaMinA.ttf",),
             "OFL-1.1 or Hanazono Font License", "ordinary"),
    FontSpec("Noto Serif CJK JP Regular", "fonts-noto-cjk",
             (_OT + "noto/NotoSerifCJK-Regular.ttc",), "OFL-1.1", "ordinary", index=0),
)

FONTS = {"train": TRAIN_FONTS, "test": TEST_FONTS}


# --------------------------------------------------------------------------- fonts


def required_packages() -> list[str]:
    """Debian packages holding every font of both splits, sorted, without duplicates."""
    return sorted({spec.package for specs in FONTS.values() for spec in specs})


def find_font_file(spec: FontSpec) -> Path:
    """Path of the font file; FileNotFoundError naming the Debian package if none exists."""
    for candidate in spec.paths:
        path = Path(candidate)
        if path.is_file():
            return path
    raise FileNotFoundError(
        f"font {spec.name!r} not found (looked for {', '.join(spec.paths)}); "
        f"install the Debian package {spec.package} (bash {INSTALL_SCRIPT} installs them all)"
    )


def missing_packages(splits=("train", "test")) -> list[str]:
    """Debian packages whose font files are absent, for the given splits."""
    missing = set()
    for split in splits:
        for spec in FONTS[split]:
            if not any(Path(p).is_file() for p in spec.paths):
                missing.add(spec.package)
    return sorted(missing)


@functools.lru_cache(maxsize=None)
def _load_font(spec: FontSpec, size: int) -> ImageFont.FreeTypeFont:
    # The basic layout engine: single characters need no shaping, and the output then does
    # not depend on whether libraqm happens to be installed.
    return ImageFont.truetype(str(find_font_file(spec)), size, index=spec.index,
                              layout_engine=ImageFont.Layout.BASIC)


def _draw(spec: FontSpec, text: str, size: int) -> np.ndarray:
    """Render text centred on a square canvas of 2 * size pixels: float32 in [0, 1]."""
    image = Image.new("L", (2 * size, 2 * size), 0)
    ImageDraw.Draw(image).text((size, size), text, font=_load_font(spec, size),
                               fill=255, anchor="mm")
    return np.asarray(image, dtype=np.float32) / 255.0


def check_font(spec: FontSpec) -> None:
    """Raise ValueError unless the font draws each of the 15 katakana as a real glyph."""
    notdef = _draw(spec, UNASSIGNED_CODEPOINT, GLYPH_SIZE)
    for char in CLASSES:
        glyph = _draw(spec, char, GLYPH_SIZE)
        if (glyph > 0.5).sum() < 50:
            raise ValueError(f"font {spec.name!r} draws {char!r} as (almost) nothing")
        if np.array_equal(glyph, notdef):
            raise ValueError(f"font {spec.name!r} lacks {char!r} (draws the .notdef glyph)")


@functools.lru_cache(maxsize=None)
def base_glyph(spec: FontSpec, char: str) -> np.ndarray:
    """The undistorted glyph, its longer side about GLYPH_SIZE pixels, centred on the canvas.

    Fonts leave very different margins around kana, so the point size is chosen from a first
    rendering to give every font the same glyph size.
    Returns float32 (CANVAS_SIZE, CANVAS_SIZE), ink 1 on background 0 (treat as read-only).
    """
    size = GLYPH_SIZE
    for _ in range(2):
        drawn = _draw(spec, char, size)
        rows, cols = np.nonzero(drawn > 0.5)
        extent = max(rows.max() - rows.min(), cols.max() - cols.min()) + 1
        size = int(round(size * GLYPH_SIZE / extent))
    drawn = _draw(spec, char, size)
    rows, cols = np.nonzero(drawn > 0.0)
    crop = drawn[rows.min():rows.max() + 1, cols.min():cols.max() + 1]
    glyph = np.zeros((CANVAS_SIZE, CANVAS_SIZE), dtype=np.float32)
    top = (CANVAS_SIZE - crop.shape[0]) // 2
    left = (CANVAS_SIZE - crop.shape[1]) // 2
    glyph[top:top + crop.shape[0], left:left + crop.shape[1]] = crop
    glyph.setflags(write=False)
    return glyph


# --------------------------------------------------------------------------- distortions


def stroke_width(ink: np.ndarray) -> float:
    """Mean stroke width of a glyph in pixels, estimated as 2 * area / boundary length."""
    mask = ink > 0.5
    inner = mask.copy()
    inner[1:, :] &= mask[:-1, :]
    inner[:-1, :] &= mask[1:, :]
    inner[:, 1:] &= mask[:, :-1]
    inner[:, :-1] &= mask[:, 1:]
    boundary = max(int(mask.sum() - inner.sum()), 1)
    return 2.0 * mask.sum() / boundary


def set_stroke_width(glyph: np.ndarray, target_width: float) -> np.ndarray:
    """Thicken (MaxFilter) or thin (MinFilter) the strokes towards target_width pixels."""
    steps = int(round((target_width - stroke_width(glyph)) / 2.0))
    if steps == 0:
        return glyph
    image = Image.fromarray(glyph)
    if steps > 0:
        return np.asarray(image.filter(ImageFilter.MaxFilter(2 * steps + 1)))
    thinned = np.asarray(image.filter(ImageFilter.MinFilter(2 * min(-steps, 2) + 1)))
    # Thin brush strokes would vanish: keep the glyph as it is rather than lose a stroke.
    if (thinned > 0.5).sum() < 0.6 * (glyph > 0.5).sum():
        return glyph
    return thinned


def _smooth_field(rng: np.random.Generator, grid: int, amplitude: float) -> np.ndarray:
    """A smooth random displacement field: normal noise on a coarse grid, bicubic upsampling."""
    coarse = rng.normal(0.0, amplitude, size=(grid, grid)).astype(np.float32)
    field = Image.fromarray(coarse).resize((CANVAS_SIZE, CANVAS_SIZE), Image.Resampling.BICUBIC)
    return np.asarray(field, dtype=np.float64)


def warp(glyph: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Random affine (rotation, shear, aspect) plus elastic distortion, bilinear resampling."""
    angle = np.deg2rad(rng.uniform(-ROTATION_DEGREES, ROTATION_DEGREES))
    shear = rng.uniform(-SHEAR, SHEAR)
    aspect = np.exp(rng.uniform(-LOG_ASPECT, LOG_ASPECT))
    cos, sin = np.cos(angle), np.sin(angle)
    forward = (np.array([[cos, -sin], [sin, cos]])
               @ np.array([[1.0, shear], [0.0, 1.0]])
               @ np.diag([aspect, 1.0 / aspect]))
    inverse = np.linalg.inv(forward)
    elastic_amplitude = rng.uniform(0.0, ELASTIC_MAX)
    dx = _smooth_field(rng, 5, elastic_amplitude)
    dy = _smooth_field(rng, 5, elastic_amplitude)

    centre = (CANVAS_SIZE - 1) / 2.0
    yy, xx = np.mgrid[0:CANVAS_SIZE, 0:CANVAS_SIZE].astype(np.float64) - centre
    src_x = inverse[0, 0] * xx + inverse[0, 1] * yy + centre + dx
    src_y = inverse[1, 0] * xx + inverse[1, 1] * yy + centre + dy
    return bilinear_sample(glyph, src_x, src_y)


def bilinear_sample(image: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Sample image (H, W) at float coordinates x, y (same shape); zero outside."""
    height, width = image.shape
    padded = np.pad(image.astype(np.float64), 1)
    x = np.clip(x + 1.0, 0.0, width + 0.999)
    y = np.clip(y + 1.0, 0.0, height + 0.999)
    x0 = np.floor(x).astype(np.int64)
    y0 = np.floor(y).astype(np.int64)
    fx, fy = x - x0, y - y0
    top = padded[y0, x0] * (1 - fx) + padded[y0, x0 + 1] * fx
    bottom = padded[y0 + 1, x0] * (1 - fx) + padded[y0 + 1, x0 + 1] * fx
    return top * (1 - fy) + bottom * fy


def gaussian_blur(image: np.ndarray, sigma: float) -> np.ndarray:
    """Separable Gaussian blur with a 5-tap kernel (zero padding)."""
    taps = np.arange(-2, 3, dtype=np.float64)
    kernel = np.exp(-0.5 * (taps / sigma) ** 2)
    kernel /= kernel.sum()
    padded = np.pad(image, 2)
    rows = sum(k * padded[:, i:i + image.shape[1]] for i, k in enumerate(kernel))
    return sum(k * rows[i:i + image.shape[0], :] for i, k in enumerate(kernel))


def fit_into_frame(ink: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Crop the ink, scale its longer side to 16-22 px and place it off-centre in 28 x 28."""
    rows, cols = np.nonzero(ink > 0.05)
    crop = ink[rows.min():rows.max() + 1, cols.min():cols.max() + 1]
    box = rng.uniform(*BOX_RANGE)
    scale = box / max(crop.shape)
    height = max(1, int(round(crop.shape[0] * scale)))
    width = max(1, int(round(crop.shape[1] * scale)))
    small = Image.fromarray(crop.astype(np.float32)).resize((width, height),
                                                              Image.Resampling.BOX)
    small = np.clip(np.asarray(small, dtype=np.float64), 0.0, 1.0)

    # Centre of mass at the frame's centre (as MNIST does), then a random offset.
    mass = small.sum()
    centre_y = (small.sum(axis=1) @ np.arange(height)) / mass
    centre_x = (small.sum(axis=0) @ np.arange(width)) / mass
    offset_y, offset_x = rng.uniform(-OFFSET, OFFSET, size=2)
    top = int(round(IMAGE_SIZE / 2 - 0.5 + offset_y - centre_y))
    left = int(round(IMAGE_SIZE / 2 - 0.5 + offset_x - centre_x))
    top = min(max(top, 0), IMAGE_SIZE - height)
    left = min(max(left, 0), IMAGE_SIZE - width)
    frame = np.zeros((IMAGE_SIZE, IMAGE_SIZE))
    frame[top:top + height, left:left + width] = small
    return frame


def make_image(glyph: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One distorted 28 x 28 image from a base glyph.

    glyph -- float (CANVAS_SIZE, CANVAS_SIZE) in [0, 1], from base_glyph
    rng -- this image's own generator
    Returns uint8 (28, 28), ink bright on a dark background.
    """
    # Target stroke width on the canvas; the frame is about 3.2x smaller (1.3-3.3 px there).
    ink = set_stroke_width(glyph, rng.uniform(*STROKE_WIDTH_RANGE))
    ink = warp(ink, rng)
    frame = fit_into_frame(ink, rng)
    if rng.random() < BLUR_PROBABILITY:
        frame = gaussian_blur(frame, rng.uniform(*BLUR_SIGMA))
    # Strokes reach full ink, as pen strokes in MNIST do; some writers press lightly.
    frame = np.clip(frame / max(np.percentile(frame[frame > 0.05], 90), 0.2), 0.0, 1.0)
    faint = rng.random() < FAINT_PROBABILITY
    peak = rng.uniform(*FAINT_PEAK) if faint else rng.uniform(0.9, 1.0)
    frame *= peak
    if rng.random() < NOISE_PROBABILITY:
        frame += rng.normal(0.0, rng.uniform(*NOISE_SIGMA), size=frame.shape)
    return np.rint(np.clip(frame, 0.0, 1.0) * 255.0).astype(np.uint8)


# --------------------------------------------------------------------------- data set


def generate_split(split: str, seed: int = DEFAULT_SEED,
                   per_class_limit: int | None = None) -> dict[str, np.ndarray]:
    """Generate one split.

    split -- "train" or "test"
    seed -- base seed; image i of class c uses default_rng([seed, split_id, c, i])
    per_class_limit -- if given, only the first per_class_limit images of each class
    Returns dict with x uint8 (N, 1, 28, 28), t int64 (N,), classes (15,) str, font (N,) str,
    ordered by class, then index.
    """
    split_id = SPLIT_IDS[split]
    fonts = FONTS[split]
    for spec in fonts:
        check_font(spec)
    images, labels, font_names = [], [], []
    for class_id, char in enumerate(CLASSES):
        count = PER_CLASS[split][class_id]
        if per_class_limit is not None:
            count = min(count, per_class_limit)
        for index in range(count):
            # Fonts take turns, so every font is used evenly, also in a small subset.
            spec = fonts[index % len(fonts)]
            rng = np.random.default_rng([seed, split_id, class_id, index])
            images.append(make_image(base_glyph(spec, char), rng))
            labels.append(class_id)
            font_names.append(spec.name)
    return {
        "x": np.stack(images)[:, np.newaxis, :, :],
        "t": np.array(labels, dtype=np.int64),
        "classes": np.array(CLASSES),
        "font": np.array(font_names),
    }


def array_checksum(x: np.ndarray, t: np.ndarray) -> str:
    """sha256 of the image and label bytes (zip timestamps make file hashes unstable)."""
    return hashlib.sha256(x.tobytes() + t.tobytes()).hexdigest()


def main(argv: list[str] | None = None) -> None:
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

    missing = missing_packages()
    if missing:
        parser.error(f"fonts missing; install Debian packages {' '.join(missing)} "
                     f"(bash {INSTALL_SCRIPT})")
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
    if checksums_out is not None:
        checksums_out.write_text(json.dumps(checksums, indent=2) + "\n", encoding="utf-8")
        print(f"checksums -> {checksums_out}")


if __name__ == "__main__":
    main()
