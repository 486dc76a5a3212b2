"""Figure files are written atomically and checked: never a success for an empty or broken file."""

import numpy as np
import pytest

from jacviz.core.errors import ExportError
from jacviz.core.figure import export_svg, format_for, write_atomically
from jacviz.core.figure.build import figure_spec
from jacviz.core.figure.files import check_file


def _leftovers(folder):
    return [p.name for p in folder.iterdir() if p.name.startswith(".")]


def test_formats_follow_the_extension():
    assert [format_for(f"a.{e}") for e in ("png", "JPG", "jpeg", "svg", "pdf")] == [
        "png", "jpeg", "jpeg", "svg", "pdf"]
    with pytest.raises(ExportError, match=r"use a \.png, \.jpg, \.svg or \.pdf"):
        format_for("figure.tiff")


def test_an_svg_is_written_whole_or_not_at_all(tmp_path):
    spec = figure_spec("z^2", at=(0.5, 0.5))
    target = tmp_path / "figure.svg"
    assert export_svg(spec, target, size=(640, 320)) == target
    text = target.read_text(encoding="utf-8")
    assert text.startswith("<?xml") and text.rstrip().endswith("</svg>")
    assert _leftovers(tmp_path) == []
    with pytest.raises(ExportError, match="does not exist"):
        export_svg(spec, tmp_path / "missing" / "figure.svg")


def test_an_empty_or_truncated_file_is_an_error_and_the_old_file_stays(tmp_path):
    target = tmp_path / "figure.png"
    target.write_bytes(b"the previous figure")
    with pytest.raises(ExportError, match="empty or incomplete"):
        write_atomically(target, "png", lambda tmp: tmp.write_bytes(b""))
    with pytest.raises(ExportError, match="empty or incomplete"):
        write_atomically(target, "png", lambda tmp: tmp.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 50))
    with pytest.raises(ExportError, match="empty or incomplete"):
        write_atomically(tmp_path / "figure.pdf", "pdf", lambda tmp: tmp.write_bytes(b"%PDF-1.4\n"))
    assert target.read_bytes() == b"the previous figure"
    assert _leftovers(tmp_path) == []


def test_a_writer_that_fails_leaves_nothing_behind(tmp_path):
    def broken(tmp):
        tmp.write_bytes(b"<?xml half")
        raise OSError(28, "No space left on device")

    with pytest.raises(ExportError, match="No space left on device"):
        write_atomically(tmp_path / "figure.svg", "svg", broken)
    assert list(tmp_path.iterdir()) == []


def test_check_file_knows_each_format(tmp_path):
    path = tmp_path / "f"
    for fmt, good in (("svg", b'<?xml version="1.0"?>\n<svg></svg>\n'), ("pdf", b"%PDF-1.4\n...\n%%EOF\n"),
                      ("jpeg", b"\xff\xd8\xff\xe0 data \xff\xd9")):
        path.write_bytes(good)
        check_file(path, fmt)
        path.write_bytes(good[: len(good) // 2])
        with pytest.raises(ExportError):
            check_file(path, fmt)


def test_a_png_written_in_bands_is_the_same_file_as_one_written_whole():
    # rows in uneven bands, filtered a few rows at a time: the bytes of encode_png exactly
    import io

    from jacviz.core.figure.png import PngStream, encode_png

    rng = np.random.default_rng(3)
    img = (rng.random((97, 53, 4)) * 255).astype(np.uint8)
    buf = io.BytesIO()
    stream = PngStream(buf, 53, 97, dpi=300)
    stream.FILTER_BYTES = 3 * 53 * 4  # three rows per filter pass, across the bands' edges
    for a, b in [(0, 10), (10, 11), (11, 60), (60, 97)]:
        stream.write_rows(img[a:b])
    stream.close()
    assert buf.getvalue() == encode_png(img, dpi=300)


def test_a_png_stream_refuses_rows_of_the_wrong_shape_or_too_many():
    import io

    from jacviz.core.figure.png import PngStream

    stream = PngStream(io.BytesIO(), 8, 4)
    with pytest.raises(ValueError):
        stream.write_rows(np.zeros((2, 7, 4), np.uint8))
    stream.write_rows(np.zeros((4, 8, 4), np.uint8))
    with pytest.raises(ValueError):
        stream.write_rows(np.zeros((1, 8, 4), np.uint8))
    unfinished = PngStream(io.BytesIO(), 8, 4)
    with pytest.raises(ValueError, match="1 of 4 rows"):
        unfinished.write_rows(np.zeros((1, 8, 4), np.uint8)) or unfinished.close()
