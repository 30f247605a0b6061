"""Draw askARSAN's Teams icons: ``color.png`` (192x192) and ``outline.png`` (32x32).

The mark is a calendar page with a tick: an interview that got booked.

* ``color.png``: the white mark on a solid background in the manifest's ``accentColor``.
* ``outline.png``: the same mark in white on a transparent background, as Teams requires.

Run from anywhere with the project's virtualenv (needs Pillow)::

    .venv/bin/python manifest/make_icons.py

The accent colour is read from ``manifest.template.json`` so that the icon and the manifest agree.
The output is deterministic; commit the PNGs together with this script.
"""

from __future__ import annotations

import json
from pathlib import Path

from PIL import Image, ImageDraw

HERE = Path(__file__).resolve().parent
SUPERSAMPLE = 8  # draw large, then shrink with a box filter for clean anti-aliased edges
WHITE = (255, 255, 255)


def accent_color() -> tuple[int, int, int]:
    template = json.loads((HERE / "manifest.template.json").read_text(encoding="utf-8"))
    value: str = template["accentColor"]
    return (int(value[1:3], 16), int(value[3:5], 16), int(value[5:7], 16))


def draw_mark(draw: ImageDraw.ImageDraw, origin: float, unit: float) -> None:
    """Draw the calendar-with-tick mark in white on a 32x32 design grid.

    ``origin`` is where grid (0, 0) lands and ``unit`` how many pixels one grid step is.
    """

    def xy(x: float, y: float) -> tuple[float, float]:
        return (origin + x * unit, origin + y * unit)

    stroke = 2.0 * unit
    # page: rounded frame from (4, 6) to (28, 28)
    draw.rounded_rectangle(
        (*xy(4, 6), *xy(28, 28)), radius=3.5 * unit, outline=WHITE, width=round(stroke)
    )
    # header band of the page
    draw.rounded_rectangle((*xy(4, 6), *xy(28, 12)), radius=3.5 * unit, fill=WHITE)
    draw.rectangle((*xy(4, 9), *xy(28, 12)), fill=WHITE)
    # the two binder rings above the header
    for x in (10, 22):
        draw.rounded_rectangle(
            (*xy(x - 1.25, 2.5), *xy(x + 1.25, 9)), radius=1.25 * unit, fill=WHITE
        )
    # the tick: an interview that got booked
    draw.line(
        [xy(10, 19.5), xy(14, 23.5), xy(22, 15.5)],
        fill=WHITE,
        width=round(2.6 * unit),
        joint="curve",
    )
    for x, y in ((10, 19.5), (22, 15.5)):  # round the line ends
        r = 1.3 * unit
        cx, cy = xy(x, y)
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=WHITE)


def make_color(size: int = 192) -> Image.Image:
    big = size * SUPERSAMPLE
    image = Image.new("RGB", (big, big), accent_color())
    # the mark fills the central ~62% of the tile, leaving the padding Teams' guidelines ask for
    mark = big * 0.62
    draw_mark(ImageDraw.Draw(image), origin=(big - mark) / 2, unit=mark / 32)
    return image.resize((size, size), Image.Resampling.BOX)


def make_outline(size: int = 32) -> Image.Image:
    big = size * SUPERSAMPLE
    # transparent *white*: resampling only ever blends white with white, so every pixel stays white
    image = Image.new("RGBA", (big, big), (*WHITE, 0))
    draw_mark(ImageDraw.Draw(image), origin=0, unit=big / 32)
    return image.resize((size, size), Image.Resampling.BOX)


def main() -> None:
    make_color().save(HERE / "color.png", optimize=True)
    make_outline().save(HERE / "outline.png", optimize=True)
    print(f"wrote {HERE / 'color.png'} and {HERE / 'outline.png'}")


if __name__ == "__main__":
    main()
