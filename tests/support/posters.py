"""Ad posters drawn with Pillow and Debian's WenQuanYi fonts, for the OCR tests and benchmark.

Each poster of ``poster_texts`` is drawn the way such ads look: a big headline (often outlined),
body lines in several sizes and colours, pieces of one row in different colours (a struck-through
原价 beside a red 现价), now and then a line tilted by a few degrees, a band of colour behind the
text on a busy background, on a solid, gradient, photo-like or noisy background, saved as PNG or
as a JPEG of middling quality. Everything is drawn from a seed: the same poster id gives the
same bytes on a machine with the same fonts and Pillow.

    .venv/bin/python -m tests.support.posters OUT_DIR   # write every poster as a file, with labels.jsonl
"""

from __future__ import annotations

import io
import json
import math
import random
import sys
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from tests.support.poster_texts import CLEAN, VIOLATIONS, PosterText

FONT_DIR = Path("/usr/share/fonts/truetype/wqy")
FONTS = ("wqy-microhei.ttc", "wqy-zenhei.ttc")  # Debian's fonts-wqy-microhei and fonts-wqy-zenhei
Colour = tuple[int, int, int]

# (background colours, text colours) that real posters use: red on yellow, white on blue, ...
PALETTES: tuple[tuple[tuple[Colour, ...], tuple[Colour, ...]], ...] = (
    (((255, 221, 0), (255, 240, 120)), ((210, 0, 0), (20, 20, 20), (0, 70, 160))),
    (((14, 60, 140), (40, 110, 200)), ((255, 255, 255), (255, 230, 0), (255, 200, 200))),
    (((255, 255, 255), (235, 242, 250)), ((200, 0, 0), (30, 30, 30), (0, 100, 60))),
    (((190, 20, 30), (230, 60, 40)), ((255, 255, 255), (255, 225, 90))),
    (((250, 235, 215), (255, 250, 240)), ((120, 40, 0), (30, 30, 30), (200, 60, 0))),
    (((20, 110, 70), (60, 160, 100)), ((255, 255, 255), (255, 240, 150))),
    (((40, 40, 48), (70, 60, 90)), ((255, 215, 0), (255, 255, 255))),
)


@dataclass(frozen=True)
class Poster:
    """A poster's ground truth and its picture."""

    text: PosterText
    image: bytes
    format: str  # PNG or JPEG

    @property
    def poster_id(self) -> str:
        return self.text.poster_id

    @property
    def truth(self) -> str:
        """The poster's text, one line per line, pieces of a row joined by one space."""
        return "\n".join(" ".join(line.split()) for line in self.text.lines)

    @property
    def violation(self) -> bool:
        return bool(self.text.categories)


def font_paths() -> list[Path]:
    """The WenQuanYi fonts present (microhei at least: `make setup` installs both)."""
    found = [FONT_DIR / name for name in FONTS if (FONT_DIR / name).exists()]
    if not found:
        raise FileNotFoundError(f"no WenQuanYi font in {FONT_DIR}: apt-get install fonts-wqy-microhei")
    return found


def all_posters() -> list[Poster]:
    """Every poster of poster_texts, violations first, each drawn from its own seed."""
    return [draw(text) for text in (*VIOLATIONS, *CLEAN)]


def draw(text: PosterText, seed: int | None = None) -> Poster:
    """Draw one poster; the seed defaults to one derived from its id."""
    rng = random.Random(zlib.crc32(text.poster_id.encode()) if seed is None else seed)
    fonts = font_paths()
    width, min_height = _canvas(text.layout, rng)
    background, inks = rng.choice(PALETTES)
    rows = [_row(line, i, text.layout, width, fonts, inks, rng) for i, line in enumerate(text.lines)]
    tilt_row = rng.randrange(1, len(rows)) if len(rows) > 2 and rng.random() < 0.5 else -1
    tilts = [rng.uniform(4, 12) * rng.choice((-1, 1)) if i == tilt_row else 0.0 for i in range(len(rows))]
    spans = [row.span(tilt) for row, tilt in zip(rows, tilts, strict=True)]  # a tilted row takes more height
    gap = int(width * rng.uniform(0.025, 0.06)) if text.layout != "long" else rng.randint(160, 260)
    content = sum(spans) + gap * (len(rows) - 1)
    height = max(min_height, content + 2 * rng.randint(40, 80))
    kind = rng.choice(("solid", "gradient", "photo", "noise"))
    canvas = _background(kind, width, height, background, rng)
    banded = kind in ("photo", "noise") and rng.random() < 0.6
    y = (height - content) // 2
    for row, tilt, span in zip(rows, tilts, spans, strict=True):
        row.paste_onto(canvas, y + (span - row.height) // 2, banded, tilt)
        y += span + gap
    if rng.random() < 0.25:
        canvas = _photographed(canvas, rng)
    out = io.BytesIO()
    if rng.random() < 0.4:
        canvas.convert("RGB").save(out, "JPEG", quality=rng.randint(45, 90))
        return Poster(text, out.getvalue(), "JPEG")
    canvas.convert("RGB").save(out, "PNG")
    return Poster(text, out.getvalue(), "PNG")


def _canvas(layout: str, rng: random.Random) -> tuple[int, int]:
    if layout == "banner":
        width = rng.choice((1200, 1440, 1600))
        return width, width // rng.choice((5, 6, 8))
    width = rng.choice((640, 720, 750, 800, 900, 1080))
    if layout == "long":
        return width, width * rng.randint(4, 5)
    return width, int(width * rng.uniform(0.7, 1.2))


@dataclass
class _Row:
    pieces: list[tuple[str, ImageFont.FreeTypeFont, Colour, bool]]  # text, font, ink, struck through
    width: int
    height: int
    canvas_width: int
    align: str
    outline: Colour | None
    bold: bool

    def span(self, tilt: float) -> int:
        """The height the row takes on the poster once tilted."""
        return int(self.height + abs(math.sin(math.radians(tilt))) * self.width)

    def paste_onto(self, canvas: Image.Image, top: int, banded: bool, tilt: float) -> None:
        pad = 12
        layer = Image.new("RGBA", (self.width + 2 * pad, self.height + 2 * pad), (0, 0, 0, 0))
        pen = ImageDraw.Draw(layer)
        if banded:  # a band behind the text, dark under light ink and light under dark ink
            light = sum(self.pieces[0][2]) > 450
            pen.rounded_rectangle(
                (0, 0, *layer.size), radius=10, fill=(0, 0, 0, 170) if light else (255, 255, 255, 215)
            )
        x = pad
        for text, font, ink, struck in self.pieces:
            left, top_off, right, bottom = font.getbbox(text)
            y = pad + (self.height - (bottom - top_off)) // 2 - top_off
            if self.outline is not None and font.size >= 56:  # an outlined headline
                stroke, stroke_ink = 3, self.outline
            else:  # bold made the way a poster app does it: a stroke of the ink's own colour
                stroke, stroke_ink = (max(1, font.size // 28), ink) if self.bold else (0, None)
            pen.text((x, y), text, font=font, fill=(*ink, 255), stroke_width=stroke, stroke_fill=stroke_ink)
            if struck:
                mid = pad + self.height // 2
                pen.line((x, mid, x + right - left, mid), fill=(*ink, 255), width=max(2, font.size // 14))
            x += right - left + font.size // 2
        if tilt:
            layer = layer.rotate(tilt, resample=Image.Resampling.BICUBIC, expand=True)
        if self.align == "center":
            left = (self.canvas_width - layer.width) // 2
        else:
            left = max(0, min(self.canvas_width // 14, self.canvas_width - layer.width))
        canvas.alpha_composite(layer, (max(0, left), max(0, top - (layer.height - self.height) // 2)))


def _row(
    line: str, index: int, layout: str, width: int, fonts: list[Path], inks: tuple[Colour, ...], rng: random.Random
) -> _Row:
    pieces = line.split("  ")
    if layout == "banner":
        size = rng.randint(64, 96)
    elif index == 0:  # the headline: a tenth of the width, more or less
        size = int(width * rng.uniform(0.07, 0.12))
    elif layout == "long":
        size = rng.randint(28, 40)
    else:  # body lines, a few of them small print
        size = int(width * rng.choice((0.028, 0.035, 0.045, 0.05, 0.055, 0.065, 0.075)))
    drawn = []
    for k, piece in enumerate(pieces):
        piece_size = size if k == 0 or rng.random() < 0.5 else int(size * rng.uniform(1.1, 1.4))
        font = ImageFont.truetype(str(rng.choice(fonts)), piece_size)
        while font.getlength(piece) > width * 0.86 / len(pieces) and piece_size > 18:
            piece_size -= 2
            font = ImageFont.truetype(str(font.path), piece_size)
        struck = piece.startswith("原价") and len(pieces) > 1 and rng.random() < 0.6
        drawn.append((piece, font, rng.choice(inks), struck))
    boxes = [font.getbbox(text) for text, font, _, _ in drawn]
    row_width = sum(b[2] - b[0] for b in boxes) + sum(f.size // 2 for _, f, _, _ in drawn[1:])
    row_height = max(b[3] - b[1] for b in boxes)
    dark = sum(inks[0]) > 380
    outline = ((40, 0, 0) if dark else (255, 255, 255)) if index == 0 and rng.random() < 0.5 else None
    align = rng.choice(("center", "center", "left"))
    return _Row(drawn, row_width, row_height, width, align, outline, bold=rng.random() < 0.4)


def _background(kind: str, width: int, height: int, colours: tuple[Colour, ...], rng: random.Random) -> Image.Image:
    noise = np.random.default_rng(rng.getrandbits(32))
    top, bottom = np.array(colours[0], float), np.array(colours[-1], float)
    if kind == "gradient":
        t = np.linspace(0, 1, height)[:, None, None]
        pixels = np.broadcast_to(top * (1 - t) + bottom * t, (height, width, 3))
    elif kind == "photo":  # blurred blobs of colour, like an out-of-focus classroom photo behind the text
        blobs = noise.uniform(0, 255, (6, 8, 1)) * 0.5 + noise.uniform(0, 255, (6, 8, 3)) * 0.2 + top * 0.3
        small = Image.fromarray(blobs.astype(np.uint8)).resize((width, height), Image.Resampling.BICUBIC)
        pixels = np.asarray(small.filter(ImageFilter.GaussianBlur(width / 40)), float)
        pixels = pixels + noise.normal(0, 6, pixels.shape)
    else:
        pixels = np.broadcast_to(top, (height, width, 3)).astype(float)
        if kind == "noise":  # grain and specks, as on a photographed or re-compressed flyer
            pixels = pixels + noise.normal(0, rng.uniform(12, 28), (height, width, 3))
            specks = noise.random((height, width)) < 0.004
            pixels[specks] = noise.uniform(0, 255, (int(specks.sum()), 3))
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8)).convert("RGBA")


def _photographed(canvas: Image.Image, rng: random.Random) -> Image.Image:
    """The poster as a phone photo of a flyer: seen at a slant, slightly out of focus, unevenly lit."""
    width, height = canvas.size
    corners = [(0, 0), (width, 0), (width, height), (0, height)]
    seen = [(x + rng.uniform(-0.05, 0.05) * width, y + rng.uniform(-0.05, 0.05) * height) for x, y in corners]
    # Pillow's PERSPECTIVE takes the map from output to input pixels: solve for its 8 coefficients.
    rows, rhs = [], []
    for (x, y), (u, v) in zip(seen, corners, strict=True):
        rows += [[x, y, 1, 0, 0, 0, -u * x, -u * y], [0, 0, 0, x, y, 1, -v * x, -v * y]]
        rhs += [u, v]
    coeffs = np.linalg.solve(np.array(rows, float), np.array(rhs, float))
    table = (rng.randint(60, 140),) * 3
    slanted = canvas.convert("RGB").transform(
        canvas.size, Image.Transform.PERSPECTIVE, tuple(coeffs), Image.Resampling.BICUBIC, fillcolor=table
    )
    slanted = slanted.filter(ImageFilter.GaussianBlur(rng.uniform(0.6, 1.4)))
    light = np.linspace(rng.uniform(0.75, 0.95), rng.uniform(1.0, 1.1), width)[None, :, None]
    lit = np.clip(np.asarray(slanted, float) * light, 0, 255).astype(np.uint8)
    return Image.fromarray(lit).convert("RGBA")


def write_all(out_dir: Path) -> None:
    """Every poster as a file, and labels.jsonl: id, file, platform, categories, lines, caption."""
    out_dir.mkdir(parents=True, exist_ok=True)
    with (out_dir / "labels.jsonl").open("w", encoding="utf-8") as labels:
        for poster in all_posters():
            name = f"{poster.poster_id}.{'png' if poster.format == 'PNG' else 'jpg'}"
            (out_dir / name).write_bytes(poster.image)
            record = {
                "id": poster.poster_id,
                "file": name,
                "platform": poster.text.platform,
                "categories": list(poster.text.categories),
                "lines": poster.truth.split("\n"),
                "caption": poster.text.caption,
            }
            labels.write(json.dumps(record, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    write_all(Path(sys.argv[1] if len(sys.argv) > 1 else "reports/posters"))
