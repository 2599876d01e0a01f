"""Reading text in ad images: real posters drawn here, real OCR (rapidocr-onnxruntime), hostile bytes.

Timings live in bench/ocr_engines.py; its tiny mode runs at the end of this file.
"""

from __future__ import annotations

import io
import itertools
import json
import struct
import subprocess
import sys
import textwrap
import unicodedata
import zlib
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont

from detectors import analyze
from detectors.categories import CATEGORIES
from detectors.ocr import OcrSettings, Problem, read_image_text
from detectors.ocr.engines import model_files
from detectors.ocr.reading import slice_bounds
from tests.support.poster_texts import CLEAN, VIOLATIONS
from tests.support.posters import draw, font_paths

ROOT = Path(__file__).resolve().parents[1]
BY_ID = {text.poster_id: text for text in (*VIOLATIONS, *CLEAN)}


def folded(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split())


def picture(mode: str = "RGB", text: str = "钢琴启蒙 免费试听", size: tuple[int, int] = (520, 160)) -> Image.Image:
    """Dark text on white, in any Pillow mode."""
    image = Image.new("RGB", size, "white")
    ImageDraw.Draw(image).text((20, 40), text, font=ImageFont.truetype(str(font_paths()[0]), 48), fill=(20, 20, 20))
    return image if mode == "RGB" else image.convert(mode)


def encoded(image: Image.Image, fmt: str = "PNG", **params: object) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **params)
    return out.getvalue()


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that declares width × height and holds almost nothing: a pixel bomb's header."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


@pytest.mark.parametrize("poster_id", ["v01-summer-math-1v1", "v17-fake-discount", "v02-preschool-pinyin"])
def test_a_violating_poster_is_read_with_its_key_words_and_boxes(poster_id: str) -> None:
    poster = draw(BY_ID[poster_id])
    result = read_image_text(poster.image)
    assert result.status == "read" and result.format == poster.format
    read = folded(result.text)
    for word in poster.text.key_words:
        assert folded(word) in read, (word, result.text)
    for line in result.lines:
        assert 0.5 <= line.confidence <= 1.0
        assert all(0 <= x <= result.width and 0 <= y <= result.height for x, y in line.box)
    assert analyze("", result.text, poster.text.platform).flagged


def test_lines_come_in_reading_order_with_their_boxes() -> None:
    poster = draw(BY_ID["v01-summer-math-1v1"])
    result = read_image_text(poster.image)
    tops = [min(y for _, y in line.box) for line in result.lines]
    assert tops == sorted(tops)
    assert folded(result.lines[0].text) == folded(poster.text.lines[0])  # the headline first


@pytest.mark.parametrize("poster_id", ["c01-piano", "c02-adult-english", "c05-cleaning", "c23-piano-banner"])
def test_a_clean_poster_is_read_and_not_flagged(poster_id: str) -> None:
    poster = draw(BY_ID[poster_id])
    result = read_image_text(poster.image)
    assert result.status == "read"
    assert folded(poster.text.lines[0])[:2] in folded(result.text)
    assert not analyze("", result.text, poster.text.platform).flagged


def test_a_long_image_is_read_in_slices_without_losing_or_repeating_a_line() -> None:
    poster = draw(BY_ID["v27-spring-long"])
    assert len(slice_bounds(*Image.open(io.BytesIO(poster.image)).size, OcrSettings().slice_ratio)) > 1
    result = read_image_text(poster.image)
    read = [folded(line.text) for line in result.lines]
    assert len(read) == len(set(read))  # no line read twice in an overlap
    positions = [next(i for i, text in enumerate(read) if folded(want)[:4] in text) for want in poster.text.lines]
    assert positions == sorted(positions)  # every line found, in the poster's order


def test_slices_overlap_and_every_row_belongs_to_exactly_one() -> None:
    for width, height in [(750, 4000), (100, 1000), (640, 1300), (640, 1700)]:
        bounds = slice_bounds(width, height, 2.0)
        assert bounds[0][2] == 0 and bounds[-1][3] == height and bounds[-1][1] == height
        for (top, bottom, owned_from, owned_to), following in itertools.pairwise(bounds):
            assert top <= owned_from < owned_to <= bottom
            assert following[0] < bottom and following[2] == owned_to  # overlap; owned bands tile the height


def hostile_cases() -> dict[str, tuple[bytes, Problem | None]]:
    """Bytes behind an image URL that must not crash or exhaust memory, with what each must give."""
    poster = draw(BY_ID["c01-piano"]).image
    jpeg = encoded(picture(), "JPEG", quality=80)
    big = Image.new("L", (6000, 6000), 255)  # a real, valid 36-megapixel image: over the 25 M limit
    return {
        "empty": (b"", Problem.NOT_AN_IMAGE),
        "html": (b"<!doctype html><html><body>404</body></html>", Problem.NOT_AN_IMAGE),
        "svg": (b'<svg xmlns="http://www.w3.org/2000/svg" width="9000" height="9000"/>', Problem.NOT_AN_IMAGE),
        "tiff-not-allowed": (encoded(picture(), "TIFF"), Problem.NOT_AN_IMAGE),
        "png-garbage": (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8, Problem.MALFORMED),
        "truncated-jpeg": (jpeg[: len(jpeg) // 2], Problem.TRUNCATED),
        "truncated-png": (poster[: len(poster) // 3], Problem.TRUNCATED),
        "pixel-bomb-30000": (png_header_only(30000, 30000), Problem.TOO_MANY_PIXELS),
        "pixel-bomb-under-pillow-limit": (png_header_only(10000, 6000), Problem.TOO_MANY_PIXELS),
        "real-36-megapixels": (encoded(big, optimize=True), Problem.TOO_MANY_PIXELS),
        "tiny-icon": (encoded(picture(size=(16, 16))), Problem.TOO_SMALL),
        "tracking-pixel-gif": (encoded(Image.new("P", (1, 1)), "GIF"), Problem.TOO_SMALL),
    }


@pytest.mark.parametrize("name", list(hostile_cases()))
def test_a_hostile_image_gives_its_problem_without_raising(name: str) -> None:
    data, problem = hostile_cases()[name]
    result = read_image_text(data)
    assert result.problem is problem, result
    assert result.lines == ()
    assert result.detail and "\n" not in result.detail
    assert result.status == ("skipped" if problem is Problem.TOO_SMALL else "failed")


def test_a_file_over_the_byte_limit_is_refused_before_decoding() -> None:
    result = read_image_text(encoded(picture()), OcrSettings(max_bytes=1000))
    assert result.problem is Problem.TOO_MANY_BYTES and result.status == "failed"


def _animated_gif() -> bytes:
    frames = [picture("P", "钢琴启蒙 免费试听"), picture("P", "成人英语口语"), picture("P", "篮球训练营")]
    return encoded(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=500, loop=0)


def _alpha_png() -> bytes:
    """Black text on a fully transparent background: white once flattened, as a browser shows it."""
    image = Image.new("RGBA", (520, 160), (0, 0, 0, 0))
    ImageDraw.Draw(image).text(
        (20, 40), "钢琴启蒙 免费试听", font=ImageFont.truetype(str(font_paths()[0]), 48), fill="black"
    )
    return encoded(image)


@pytest.mark.parametrize(
    "name,data",
    [
        ("cmyk-jpeg", lambda: encoded(picture("CMYK"), "JPEG", quality=90)),
        ("palette-png", lambda: encoded(picture("P"))),
        ("grey-png", lambda: encoded(picture("L"))),
        ("1-bit-png", lambda: encoded(picture("1"))),
        ("16-bit-grey-png", lambda: encoded(picture("L").convert("I").point(lambda v: v * 256).convert("I;16"))),
        ("alpha-png", _alpha_png),
        ("la-png", lambda: encoded(picture("LA"))),
        ("webp", lambda: encoded(picture(), "WEBP", quality=80)),
        ("bmp", lambda: encoded(picture(), "BMP")),
        ("animated-gif", _animated_gif),
    ],
)
def test_every_image_mode_is_read(name: str, data) -> None:
    result = read_image_text(data())
    assert result.status == "read", result
    assert "钢琴" in result.text, result.text  # the first frame of the animation
    assert result.animated is (name == "animated-gif")


def test_a_phone_photo_is_turned_upright_by_its_exif_orientation() -> None:
    stored_sideways = picture().transpose(Image.Transpose.ROTATE_90)  # how the camera stored the pixels
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to display
    result = read_image_text(encoded(stored_sideways, "JPEG", quality=90, exif=exif.tobytes()))
    assert "钢琴" in result.text and result.width > result.height  # boxes are in the upright picture


def test_hostile_images_stay_within_bounded_memory_and_load_no_model_from_the_network() -> None:
    """In a fresh process with no network: read a poster, then every hostile file; peak memory barely moves."""
    script = textwrap.dedent(
        """
        import json, resource, socket, sys
        def refuse(*args, **kwargs):
            raise OSError("network used")
        socket.socket.connect = refuse
        socket.getaddrinfo = refuse
        sys.path.insert(0, ".")
        from detectors.ocr import read_image_text
        from tests.test_ocr import hostile_cases
        from tests.support.posters import draw
        from tests.support.poster_texts import VIOLATIONS
        cases = hostile_cases()
        poster = read_image_text(draw(VIOLATIONS[0]).image)
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        problems = {name: read_image_text(data).problem.value for name, (data, _) in cases.items()}
        after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(json.dumps({"text": poster.text, "problems": problems, "grew_kb": after - before}))
        """
    )
    command = [sys.executable, "-c", script]
    if subprocess.run(["unshare", "-n", "true"], capture_output=True).returncode == 0:
        command = ["unshare", "-n", *command]  # no network namespace at all, on top of the refused sockets
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout.splitlines()[-1])
    assert "数学" in report["text"]
    assert report["problems"] == {name: want.value for name, (_, want) in hostile_cases().items()}
    assert report["grew_kb"] < 60_000  # decoding the 30000×30000 bomb alone would take 2.7 GB


def test_the_models_ship_inside_the_installed_wheel() -> None:
    import rapidocr_onnxruntime

    package = Path(rapidocr_onnxruntime.__file__).parent
    names = {path.name for path in model_files()}
    assert {"ch_PP-OCRv4_det_infer.onnx", "ch_PP-OCRv4_rec_infer.onnx"} <= names
    assert all(path.is_relative_to(package) and path.stat().st_size > 500_000 for path in model_files())


def test_the_poster_generator_is_deterministic_and_labelled() -> None:
    texts = (*VIOLATIONS, *CLEAN)
    assert len(texts) >= 40 and len({text.poster_id for text in texts}) == len(texts)
    assert sum(bool(t.categories) for t in texts) >= 20 and sum(not t.categories for t in texts) >= 20
    assert all(set(text.categories) <= set(CATEGORIES) for text in texts)
    once = draw(VIOLATIONS[0])
    assert once.violation and draw(CLEAN[0]).violation is False
    assert draw(VIOLATIONS[0]).image == once.image
    assert draw(VIOLATIONS[0], seed=7).image != once.image


def test_the_ocr_benchmark_runs_in_tiny_mode(tmp_path: Path) -> None:
    out = tmp_path / "rows.json"
    done = subprocess.run(
        [sys.executable, "bench/ocr_engines.py", "--tiny", "--engines", "rapidocr,tesseract", "--json", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    rows = {row["engine"]: row for row in json.loads(out.read_text(encoding="utf-8"))}
    assert rows["rapidocr"]["violations_found"] == "2/2" and rows["rapidocr"]["false_flags"] == "0/2"
    assert rows["rapidocr"]["char_accuracy"] > 0.8
    assert "tesseract" in rows or "tesseract: skipped" in done.stdout
