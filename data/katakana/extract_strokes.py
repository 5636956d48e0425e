"""Copy the stroke paths of the 15 katakana from KanjiVG into data/katakana/strokes.json.

KanjiVG (https://kanjivg.tagaini.net, copyright Ulrich Apel, CC BY-SA 3.0) draws every
character as SVG paths, one per stroke, in writing order and direction, on a 109 x 109 grid.
The generator (make_katakana.py) reads only the committed strokes.json, so regenerating the
data set needs neither this script nor the kanjivg package; run it only to refresh the strokes:

    .venv/bin/pip install kanjivg==20260714
    .venv/bin/python data/katakana/extract_strokes.py [--kanjivg-dir DIR]
"""

import argparse
import importlib.metadata
import json
import re
from pathlib import Path

CLASSES = "アイウエオカキクケコサシスセソ"
KANJIVG_VERSION = "20260714"
OUT = Path(__file__).resolve().with_name("strokes.json")
ATTRIBUTION = (
    "Stroke paths from KanjiVG (https://kanjivg.tagaini.net), copyright Ulrich Apel, "
    "licensed CC BY-SA 3.0 (https://creativecommons.org/licenses/by-sa/3.0/). "
    "Unchanged path data; the katakana images drawn from them are adaptations under the "
    "same licence."
)
_PATH = re.compile(r'<path id="kvg:[0-9a-f]+-s(\d+)"[^>]*\sd="([^"]+)"')


def kanjivg_dir():
    """The kanji/ folder of the installed kanjivg package (pip install kanjivg)."""
    try:
        distribution = importlib.metadata.distribution("kanjivg")
    except importlib.metadata.PackageNotFoundError:
        raise SystemExit(f"kanjivg is not installed: pip install kanjivg=={KANJIVG_VERSION}, "
                         "or pass --kanjivg-dir") from None
    return Path(distribution.locate_file("kanji"))


def strokes_of(svg_text, char):
    """The SVG path strings of one character's strokes, in stroke order."""
    found = sorted((int(number), path) for number, path in _PATH.findall(svg_text))
    if not found or [n for n, _ in found] != list(range(1, len(found) + 1)):
        raise ValueError(f"{char}: stroke paths missing or out of order in the KanjiVG file")
    return [path for _, path in found]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kanjivg-dir", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    folder = args.kanjivg_dir or kanjivg_dir()
    strokes = {}
    for char in CLASSES:
        svg = folder / f"{ord(char):05x}.svg"
        if not svg.is_file():
            raise SystemExit(f"{svg} not found: is {folder} KanjiVG's kanji/ folder?")
        strokes[char] = strokes_of(svg.read_text(encoding="utf-8"), char)
    document = {"source": f"KanjiVG {KANJIVG_VERSION}", "attribution": ATTRIBUTION,
                "viewbox": 109, "strokes": strokes}
    args.out.write_text(json.dumps(document, ensure_ascii=False, indent=1) + "\n",
                        encoding="utf-8")
    print(f"{sum(map(len, strokes.values()))} strokes of {len(strokes)} characters -> {args.out}")


if __name__ == "__main__":
    main()
