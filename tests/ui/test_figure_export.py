"""The QPainter backend and export_figure: PNG, JPEG and PDF, and the same picture in every program.

The PNG is the reference: the SVG drawn by cairosvg, librsvg and headless Chromium, and the PDF
drawn by poppler (pdftoppm) at the PNG's size, must differ from it only by antialiasing, and
every one of them must show the pixels the mathematics fixes. Each test that needs a renderer
is skipped, saying what to install, where that renderer is missing; .ci/run installs them
(librsvg2-bin, poppler-utils, chromium, fonts-dejavu-core; cairosvg from PyPI).
"""

import io
import re
import shutil
import subprocess
import zlib

import numpy as np
import pytest
from PIL import Image as PILImage

from jacviz.core.errors import ExportError
from jacviz.core.figure import FigureOptions, layout_figure
from jacviz.core.figure.build import figure_spec
from jacviz.core.figure.probes import probes

CASES = {
    "square": ("z^2", (0.6, 0.5), (-2.0, 2.0, -2.0, 2.0)),
    "polar": ("(r, t) -> r cos(t), r sin(t)", (1.0, 0.7), (-1.0, 2.0, -1.0, 3.0)),
    "whitney-cusp": ("x, y^3 + xy", (-0.3, 0.2), (-1.5, 1.0, -1.0, 1.0)),
}
SIZE = (1000, 480)
# Antialiasing, font hinting and line snapping differ between renderers by a pixel here and
# there; a wrong picture (a filled polygon, a missing heatmap, a shifted plot) costs tens.
MEAN_DIFFERENCE = 5.0  # per channel, 0-255
FAR_OFF_SHARE = 0.03  # pixels off by more than a quarter of the range


@pytest.fixture(scope="module")
def exported(app, tmp_path_factory):
    """Each case exported once to PNG, SVG and PDF by export_figure."""
    from jacviz.ui.figure_painter import export_figure

    out = {}
    for name, (text, at, rect) in CASES.items():
        folder = tmp_path_factory.mktemp(name.replace("-", "_"))
        spec = figure_spec(text, at=at, rect=rect, pins=[(0.5, -0.5)])
        files = {ext: export_figure(spec, folder / f"figure.{ext}", size=SIZE)
                 for ext in ("png", "svg", "pdf")}
        out[name] = (spec, layout_figure(spec, "both", SIZE), files, folder)
    return out


@pytest.fixture(params=list(CASES))
def case(request, exported):
    return exported[request.param]


def _rgba(path) -> np.ndarray:
    return np.asarray(PILImage.open(path).convert("RGBA"))


def _on_white(image: np.ndarray) -> np.ndarray:
    rgb, alpha = image[..., :3].astype(float), image[..., 3:4] / 255.0
    return rgb * alpha + 255.0 * (1 - alpha)


def check_probes(image: np.ndarray, spec, fig, tolerance: int = 14) -> None:
    """The pixels the mathematics fixes (see jacviz.core.figure.probes)."""
    rgb = image[..., :3].astype(int)
    found = probes(spec, fig)
    assert {"heatmap", "lens"} <= {p.kind for p in found}
    level = spec.scene.level
    for p in found:
        got = rgb[p.row, p.column]
        where = f"{p.kind} at pixel ({p.column}, {p.row})"
        if p.kind == "heatmap":
            assert np.abs(got - p.rgb).max() <= tolerance, f"{where}: {got} instead of {p.rgb}"
            if p.value > 0.15 * level:
                assert got[0] > got[2] + 15, f"{where}: det J = {p.value:.3g} > 0 is not red: {got}"
            if p.value < -0.15 * level:
                assert got[2] > got[0] + 15, f"{where}: det J = {p.value:.3g} < 0 is not blue: {got}"
        elif p.kind in ("critical", "critical_image"):
            assert got.max() < 110, f"{where} is not dark: {got}"
        else:
            assert np.abs(got - p.rgb).max() <= 8, f"{where} is not the lens's background {p.rgb}: {got}"
            if spec.options.theme == "light":
                assert got.min() >= 240, f"{where} is not white: {got}"


def check_same_picture(image: np.ndarray, reference: np.ndarray) -> None:
    assert image.shape == reference.shape
    diff = np.abs(_on_white(image) - _on_white(reference))
    mean = diff.mean(axis=(0, 1))
    assert (mean < MEAN_DIFFERENCE).all(), f"mean difference per channel {mean.round(2)}"
    far = (diff.max(axis=2) > 64).mean()
    assert far < FAR_OFF_SHARE, f"{far:.1%} of the pixels differ by more than 64"


# ------------------------------------------------------------------ the PNG itself
def test_the_png_has_the_exact_size_and_draws_the_mathematics(case):
    spec, fig, files, _folder = case
    image = _rgba(files["png"])
    assert image.shape == (SIZE[1], SIZE[0], 4)
    check_probes(image, spec, fig)


def test_dpi_goes_into_the_png_and_jpeg(app, tmp_path):
    from jacviz.ui.figure_painter import export_figure

    spec = figure_spec("z^2", at=(0.5, 0.5))
    png = export_figure(spec, tmp_path / "f.png", size=(600, 300), options=FigureOptions(dpi=300))
    with PILImage.open(png) as im:
        assert im.size == (600, 300)
        assert im.info["dpi"] == pytest.approx((300, 300), abs=0.1)  # from the pHYs chunk
    jpg = export_figure(spec, tmp_path / "f.jpg", size=(600, 300), options=FigureOptions(dpi=150,
                                                                                         transparent=True))
    with PILImage.open(jpg) as im:
        assert im.format == "JPEG" and im.size == (600, 300) and im.mode == "RGB"
        assert im.info["dpi"] == pytest.approx((150, 150), abs=1)
        assert im.getpixel((2, 2)) == pytest.approx((255, 255, 255), abs=3)  # JPEG keeps the paper


def test_a_transparent_png_has_alpha_0_outside_the_plots(app, tmp_path):
    from jacviz.ui.figure_painter import export_figure

    text, at, rect = CASES["whitney-cusp"]
    spec = figure_spec(text, at=at, rect=rect, options=FigureOptions(transparent=True))
    image = _rgba(export_figure(spec, tmp_path / "t.png", size=SIZE))
    fig = layout_figure(spec, "both", SIZE)
    d, c = fig.frames["domain"].box, fig.frames["codomain"].box
    alpha = image[..., 3]
    for col, row in ((1, 1), (SIZE[0] - 2, SIZE[1] - 2), (int(d.x) + 30, int(d.bottom) + 45),
                     (int((d.right + c.x) / 2), 3), (int(c.x) + 20, int(c.bottom) - 10)):
        assert alpha[row, col] == 0, f"pixel ({col}, {row}) is not transparent"
    assert alpha[int(d.y + d.h / 2), int(d.x + d.w / 4)] == 255  # the heatmap is opaque
    lens = fig.frames["lens"].box
    assert alpha[int(lens.y) + 4, int(lens.x) + 4] == 255  # and so is the lens
    # most of the figure is see-through: the paper is gone, not painted white
    assert (alpha == 0).mean() > 0.3


def test_the_dark_theme_is_dark_whatever_the_desktop(app, tmp_path):
    from jacviz.ui.figure_painter import export_figure

    spec = figure_spec("z^2", at=(0.5, 0.5), options=FigureOptions(theme="dark"))
    image = _rgba(export_figure(spec, tmp_path / "d.png", size=(800, 400)))
    assert image[2, 2, :3].tolist() == [28, 28, 30]
    fig = layout_figure(spec, "both", (800, 400))
    check_probes(image, spec, fig)  # the lens is checked against the dark lens background...
    lens = fig.frames["lens"].box
    assert image[int(lens.y) + 4, int(lens.x) + 4, :3].max() < 60  # ...which is dark


# ------------------------------------------------------------------ SVG and PDF against the PNG
def _cairosvg(svg_path, w, h) -> np.ndarray:
    try:
        import cairosvg
    except (ImportError, OSError) as exc:
        pytest.skip(f"cairosvg is not usable here ({exc}); pip install cairosvg")
    data = cairosvg.svg2png(url=str(svg_path), output_width=w, output_height=h)
    return np.asarray(PILImage.open(io.BytesIO(data)).convert("RGBA"))


def _run(exe: str | None, package: str, args: list[str]) -> None:
    if exe is None:
        pytest.skip(f"{package} is not installed")
    subprocess.run([exe, *args], check=True, timeout=120, capture_output=True)


def test_cairosvg_draws_the_png(case):
    spec, fig, files, _folder = case
    image = _cairosvg(files["svg"], *SIZE)
    check_same_picture(image, _rgba(files["png"]))
    check_probes(image, spec, fig)


def test_librsvg_draws_the_png(case):
    spec, fig, files, folder = case
    out = folder / "rsvg.png"
    _run(shutil.which("rsvg-convert"), "rsvg-convert (apt-get install librsvg2-bin)",
         ["-w", str(SIZE[0]), "-h", str(SIZE[1]), str(files["svg"]), "-o", str(out)])
    image = _rgba(out)
    check_same_picture(image, _rgba(files["png"]))
    check_probes(image, spec, fig)


def test_chromium_draws_the_png(case):
    spec, fig, files, folder = case
    out = folder / "chromium.png"
    exe = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    _run(exe, "Chromium (apt-get install chromium)",
         ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--force-device-scale-factor=1",
          f"--user-data-dir={folder / 'chromium-profile'}", f"--screenshot={out}",
          f"--window-size={SIZE[0]},{SIZE[1]}", files["svg"].as_uri()])
    image = _rgba(out)
    check_same_picture(image, _rgba(files["png"]))
    check_probes(image, spec, fig)


def test_poppler_draws_the_pdf_as_the_png(case):
    spec, fig, files, folder = case
    _run(shutil.which("pdftoppm"), "pdftoppm (apt-get install poppler-utils)",
         ["-png", "-singlefile", "-scale-to-x", str(SIZE[0]), "-scale-to-y", str(SIZE[1]),
          str(files["pdf"]), str(folder / "poppler")])
    image = _rgba(folder / "poppler.png")
    check_same_picture(image, _rgba(files["png"]))
    check_probes(image, spec, fig)


# ------------------------------------------------------------------ PDF structure
def _tool(name: str, package: str) -> str:
    exe = shutil.which(name)
    if exe is None:
        pytest.skip(f"{name} is not installed (apt-get install {package})")
    return exe


def _content_operators(pdf: bytes) -> dict[str, int]:
    """How often path, stroke, image and text operators occur in the PDF's content streams."""
    counts = {"m": 0, "l": 0, "S": 0, "Do": 0, "Tj": 0}
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            data = zlib.decompress(match.group(1))
        except zlib.error:
            continue
        for op in counts:
            counts[op] += len(re.findall(rb"(?<![A-Za-z])" + op.encode() + rb"(?![A-Za-z*])", data))
        counts["Tj"] += len(re.findall(rb"(?<![A-Za-z])TJ(?![A-Za-z])", data))
    return counts


def test_the_pdf_is_one_vector_page_of_the_figures_size_with_text(app, tmp_path):
    from jacviz.ui.figure_painter import export_figure

    text, at, rect = CASES["whitney-cusp"]
    spec = figure_spec(text, at=at, rect=rect)
    pdf = export_figure(spec, tmp_path / "figure.pdf", size=(1500, 720), options=FigureOptions(dpi=300))
    info = subprocess.run([_tool("pdfinfo", "poppler-utils"), str(pdf)], capture_output=True, text=True,
                          check=True).stdout
    assert re.search(r"^Pages:\s+1$", info, re.M)
    w, h = (float(v) for v in re.search(r"^Page size:\s+([\d.]+) x ([\d.]+) pts", info, re.M).groups())
    # 360 × 172.8 pt; Qt writes whole points, and rounds up so that nothing is cut
    assert (w, h) == (360, 173)
    words = subprocess.run([_tool("pdftotext", "poppler-utils"), str(pdf), "-"], capture_output=True,
                           text=True, check=True).stdout
    assert "det J" in words and "near F(p), magnified" in words and "orientation" in words
    images = subprocess.run([_tool("pdfimages", "poppler-utils"), "-list", str(pdf)], capture_output=True,
                            text=True, check=True).stdout.splitlines()[2:]
    assert len(images) == 1  # the heatmap, at its samples, not a picture of the page
    cols = images[0].split()
    assert (int(cols[3]), int(cols[4])) == spec.scene.det.shape[::-1]
    ops = _content_operators(pdf.read_bytes())
    assert ops["m"] > 100 and ops["l"] > 500 and ops["S"] > 10  # curves as paths
    assert ops["Tj"] > 20 and ops["Do"] == 1  # text as text, and one image drawn


def test_a_pdf_without_dpi_has_one_point_per_css_pixel(app, tmp_path):
    from jacviz.ui.figure_painter import export_figure

    pdf = export_figure(figure_spec("z^2"), tmp_path / "f.pdf", size=(960, 480))
    info = subprocess.run([_tool("pdfinfo", "poppler-utils"), str(pdf)], capture_output=True, text=True,
                          check=True).stdout
    w, h = (float(v) for v in re.search(r"^Page size:\s+([\d.]+) x ([\d.]+) pts", info, re.M).groups())
    assert (w, h) == pytest.approx((720, 360), abs=0.01)


# ------------------------------------------------------------------ the call itself
def test_export_figure_writes_atomically_and_refuses_what_it_cannot_write(app, tmp_path):
    from jacviz.ui.figure_painter import export_figure, render_qimage

    spec = figure_spec("z^2", at=(0.5, 0.5))
    for ext in ("png", "jpg", "jpeg", "svg", "pdf"):
        path = export_figure(spec, tmp_path / f"figure.{ext}", view="domain", size=(400, 300))
        assert path.stat().st_size > 1000
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "figure.jpeg", "figure.jpg", "figure.pdf", "figure.png", "figure.svg"]  # no temporary files left
    with pytest.raises(ExportError, match=r"use a \.png"):
        export_figure(spec, tmp_path / "figure.bmp")
    with pytest.raises(ExportError, match="does not exist"):
        export_figure(spec, tmp_path / "nowhere" / "figure.png")
    image = render_qimage(spec, view="codomain", size=(321, 123))
    assert (image.width(), image.height()) == (321, 123)


def test_a_png_drawn_in_bands_is_the_png_drawn_whole(app, tmp_path):
    # a PNG above BAND_PIXELS is drawn band by band; 37-row bands here, the last one partial
    from jacviz.ui.figure_painter import figure_for, render_image, write_png_in_bands

    spec = figure_spec("x + 0.5 sin(y), y + 0.5 sin(x)", at=(0.3, 0.2), pins=[(0.5, -0.5)])
    fig = figure_for(spec, size=(900, 640))
    write_png_in_bands(fig, tmp_path / "bands.png", band_pixels=900 * 37)
    render_image(fig).save(str(tmp_path / "whole.png"))
    bands, whole = (_rgba(tmp_path / n).astype(int) for n in ("bands.png", "whole.png"))
    assert bands.shape == whole.shape == (640, 900, 4)
    diff = np.abs(bands - whole).max(axis=2)
    assert diff.mean() < 0.1 and (diff > 16).mean() < 1e-3  # antialiasing at a band's edge, at most


def test_a_png_may_be_larger_than_what_is_drawn_at_once_but_a_jpeg_may_not():
    from jacviz.core.errors import UsageError
    from jacviz.ui.export import MAX_AREA, check_size

    check_size(16384, 16384, fmt="png")  # drawn in bands: allowed
    assert 16384 * 16384 > MAX_AREA
    for fmt in ("jpeg", None):
        with pytest.raises(UsageError, match="120 million pixels at once"):
            check_size(16384, 16384, fmt=fmt)
    with pytest.raises(UsageError, match="frames"):
        check_size(8192, 8192, frames=4, fmt="png")  # an animation's frames are held at once
