"""Hostile image bytes → an RGB array, or the reason not: size checked from the header before any pixel is decoded.

Pillow reads only the header in ``Image.open``; the declared width × height is checked against
our own limit (far below Pillow's decompression-bomb limit, whose warning is made an error
here too) before ``load()`` allocates anything, so a 30000×30000 PNG of a few hundred bytes
costs nothing. Only the decoders named in the settings may run.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from detectors.ocr.results import Problem
from detectors.ocr.settings import OcrSettings

WHITE = (255, 255, 255)


@dataclass(frozen=True)
class Decoded:
    """A decoded image (RGB, uint8, height × width × 3) and what the header said."""

    pixels: np.ndarray
    format: str
    animated: bool


@dataclass(frozen=True)
class Refused:
    """Why the bytes were not decoded, with a one-line detail for the report."""

    problem: Problem
    detail: str
    width: int = 0
    height: int = 0
    format: str = ""


def decode_image(data: bytes, settings: OcrSettings) -> Decoded | Refused:
    """Decode the first frame of ``data`` within the settings' limits; never raises on bad data."""
    if len(data) > settings.max_bytes:
        return Refused(Problem.TOO_MANY_BYTES, f"{len(data)} bytes > {settings.max_bytes}")
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data), formats=list(settings.formats))
        except UnidentifiedImageError:
            claimed = _claimed_format(data, settings.formats)
            if claimed:  # starts like a PNG (say) but no decoder could make sense of the rest
                return Refused(Problem.MALFORMED, f"{claimed} signature, unreadable header", format=claimed)
            return Refused(Problem.NOT_AN_IMAGE, f"not a {'/'.join(settings.formats)} image")
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            return Refused(Problem.TOO_MANY_PIXELS, _one_line(exc))
        except Exception as exc:  # any decoder's complaint about the header is the image's fault, not ours
            return Refused(Problem.MALFORMED, _one_line(exc))
        with image:
            return _checked_and_loaded(image, settings)


def _checked_and_loaded(image: Image.Image, settings: OcrSettings) -> Decoded | Refused:
    width, height = image.size
    found = {"width": width, "height": height, "format": image.format or ""}
    if width * height > settings.max_pixels:
        return Refused(Problem.TOO_MANY_PIXELS, f"{width}×{height} > {settings.max_pixels} pixels", **found)
    if min(width, height) < settings.min_side:
        return Refused(Problem.TOO_SMALL, f"{width}×{height} < {settings.min_side} px", **found)
    try:
        animated = bool(getattr(image, "is_animated", False))
        if animated:
            image.seek(0)
        image.load()
        pixels = np.asarray(_as_rgb(_upright(image)), dtype=np.uint8)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        return Refused(Problem.TOO_MANY_PIXELS, _one_line(exc), **found)
    except (EOFError, OSError) as exc:
        problem = Problem.TRUNCATED if isinstance(exc, EOFError) or "truncated" in str(exc) else Problem.MALFORMED
        return Refused(problem, _one_line(exc), **found)
    except Exception as exc:  # MemoryError included: this image fails, the night goes on
        return Refused(Problem.MALFORMED, _one_line(exc), **found)
    return Decoded(pixels, found["format"], animated)


def _upright(image: Image.Image) -> Image.Image:
    """Turned as its EXIF orientation says (a phone photo), as a browser shows it; bad EXIF is ignored."""
    try:
        return ImageOps.exif_transpose(image)
    except Exception:  # a malformed EXIF block does not make the pixels unreadable
        return image


def _claimed_format(data: bytes, formats: tuple[str, ...]) -> str:
    """The allowed format whose signature the bytes start with (Pillow's own signature checks), or ""."""
    Image.init()
    for name in formats:
        accept = Image.OPEN.get(name, (None, None))[1]
        if accept is not None and accept(data[:16]):
            return name
    return ""


def _as_rgb(image: Image.Image) -> Image.Image:
    """Any mode → RGB; transparent parts become white, as a browser shows them on a white page."""
    if image.mode in ("I", "I;16", "I;16B", "I;16L", "F"):  # 16/32-bit grey: scaled down to 8 bits
        image = image.convert("I").point(lambda v: v * (1 / 256)).convert("L")
    if image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, WHITE)
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    return image.convert("RGB")


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return f"{type(exc).__name__}: {text}"[:200]
