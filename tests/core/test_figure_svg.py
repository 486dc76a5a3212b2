"""The SVG a figure is written as: its structure, and what librsvg, cairosvg and Chromium draw of it.

Each renderer test is skipped, with the package to install, where that renderer is missing;
.ci/run installs them (librsvg2-bin, chromium, fonts-dejavu-core; cairosvg from PyPI).
"""

import base64
import io
import itertools
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from dataclasses import replace

import numpy as np
import pytest
from PIL import Image as PILImage

from jacviz.core.figure import FigureOptions, export_svg, layout_figure, svg_text
from jacviz.core.figure.build import figure_spec
from jacviz.core.figure.colormaps import heatmap_colormap
from jacviz.core.figure.probes import probes
from jacviz.core.pipeline.scene import heatmap_scale

SVG = "{http://www.w3.org/2000/svg}"
XLINK = "{http://www.w3.org/1999/xlink}"
CASES = {
    "square": ("z^2", (0.6, 0.5), (-2.0, 2.0, -2.0, 2.0)),
    "polar": ("(r, t) -> r cos(t), r sin(t)", (1.0, 0.7), (-1.0, 2.0, -1.0, 3.0)),
    "whitney-cusp": ("x, y^3 + xy", (-0.3, 0.2), (-1.5, 1.0, -1.0, 1.0)),
}
SIZE = (1000, 480)


@pytest.fixture(scope="module", params=list(CASES))
def case(request):
    text, at, rect = CASES[request.param]
    spec = figure_spec(text, at=at, rect=rect, pins=[(0.5, -0.5)])
    fig = layout_figure(spec, "both", SIZE)
    return request.param, spec, fig, svg_text(fig)


def _root(text: str) -> ET.Element:
    return ET.fromstring(text.encode("utf-8"))


def test_size_and_viewbox_are_the_requested_pixels(case):
    _name, spec, _fig, text = case
    root = _root(text)
    assert (root.get("width"), root.get("height"), root.get("viewBox")) == ("1000", "480", "0 0 1000 480")
    root = _root(svg_text(layout_figure(spec.with_options(dpi=300), "both", (900, 600))))
    assert (root.get("width"), root.get("height"), root.get("viewBox")) == ("3in", "2in", "0 0 900 600")


SUBPATH = re.compile(r"M(-?[\d.]+,-?[\d.]+)L((?:-?[\d.]+,-?[\d.]+ ?)+)")


def test_every_curve_is_a_stroked_path_without_fill_or_degenerate_segments(case):
    _name, _spec, _fig, text = case
    paths = list(_root(text).iter(f"{SVG}path"))
    assert len(paths) > 10
    for path in paths:
        assert path.get("fill") == "none" and path.get("stroke", "none") != "none"
        d = path.get("d")
        assert "Z" not in d.upper().replace("E", "")
        assert SUBPATH.sub("", d) == ""  # nothing but M x,y L x,y ... subpaths
        for first, rest in SUBPATH.findall(d):
            points = [first, *rest.split()]
            assert len(points) >= 2  # no lone moves
            assert all(a != b for a, b in itertools.pairwise(points))  # no zero steps
            xy = np.array([p.split(",") for p in points], dtype=float)
            assert (np.abs(xy) < 5000).all()  # nothing far outside the figure


def test_only_shapes_meant_to_be_filled_are_filled(case):
    _name, _spec, _fig, text = case
    root = _root(text)
    for tag in ("polygon", "circle"):
        for el in root.iter(f"{SVG}{tag}"):
            assert el.get("fill") not in (None, "none")  # markers and pins: filled on purpose
    clip_geometry = {id(el) for clip in root.iter(f"{SVG}clipPath") for el in clip}
    for el in root.iter(f"{SVG}rect"):
        if id(el) not in clip_geometry:
            assert el.get("fill") is not None  # never the default black


def test_the_heatmap_is_the_only_image_at_the_sample_resolution(case):
    _name, spec, _fig, text = case
    images = list(_root(text).iter(f"{SVG}image"))
    assert len(images) == 1 and images[0].get("class") == "heatmap"
    href = images[0].get(f"{XLINK}href")
    assert href.startswith("data:image/png;base64,")
    pixels = np.asarray(PILImage.open(io.BytesIO(base64.b64decode(href.split(",", 1)[1]))).convert("RGBA"))
    # the visible domain is what was sampled: every sample, one pixel each, in the map's colours
    scale = heatmap_scale(spec.scene, spec.mode)  # the scale the figure chose (auto by default)
    assert pixels.shape == (*spec.scene.det.shape, 4)
    assert (pixels == heatmap_colormap(spec.mode).rgba(scale.values[::-1], scale.levels)).all()
    assert not list(_root(svg_text(layout_figure(spec, "codomain", (600, 600)))).iter(f"{SVG}image"))


def test_every_plot_is_clipped_to_its_frame(case):
    _name, _spec, fig, text = case
    root = _root(text)
    clips = {}
    for clip in root.iter(f"{SVG}clipPath"):
        (rect,) = list(clip)
        clips[clip.get("id")] = tuple(float(rect.get(k)) for k in ("x", "y", "width", "height"))
    frames = {name: fig.frames[name].box for name in ("domain", "codomain")}
    for box in frames.values():
        assert any(np.allclose(c, (box.x, box.y, box.w, box.h), atol=0.01) for c in clips.values())
    groups = [g for g in root.iter(f"{SVG}g") if g.get("clip-path")]
    for g in groups:
        ident = re.fullmatch(r"url\(#(.+)\)", g.get("clip-path")).group(1)
        assert ident in clips
    clipped = {id(el) for g in groups for el in g}
    for el in root.iter(f"{SVG}image"):
        assert id(el) in clipped
    # the grid and the curves of both views sit in clipped groups: only axes, ticks and frames do not
    unclipped_paths = [p for p in root.iter(f"{SVG}path") if id(p) not in clipped]
    assert all(float(p.get("stroke-width")) <= 1.5 for p in unclipped_paths)


def test_text_names_real_fonts_and_says_what_the_colours_mean(case):
    _name, spec, _fig, text = case
    texts = list(_root(text).iter(f"{SVG}text"))
    for t in texts:
        family = t.get("font-family")
        assert family.startswith("'DejaVu Sans") and family.endswith(("sans-serif", "monospace"))
    words = [t.text for t in texts]
    scale = heatmap_scale(spec.scene, spec.mode)
    assert scale.title in words  # which scale is on
    first_word = scale.note.split()[0]
    assert any(w and w.startswith(first_word) for w in words)  # and what it means
    assert "near F(p), magnified" in words and "det J" in words


def test_any_text_makes_well_formed_xml():
    text, at, rect = CASES["square"]
    spec = figure_spec(text, at=at, rect=rect)
    odd = replace(spec, mapping_text="a < b & \"c\" \x01\x1b ↦ ]]>", reading="x\x00y")
    root = _root(svg_text(layout_figure(odd)))
    words = [t.text for t in root.iter(f"{SVG}text")]
    assert 'a < b & "c"  ↦ ]]>' in words and "xy" in words


def test_a_default_figure_is_at_most_2_mb(tmp_path):
    for text, rect in (("z^2", (-2, 2, -2, 2)), ("x + a sin(y), y + a sin(x)", (-3.5, 3.5, -3.5, 3.5))):
        spec = figure_spec(text, at=(1.1, 0.75), rect=rect)
        for size in (None, (3840, 2160)):
            path = export_svg(spec, tmp_path / "figure.svg", size=size)
            assert 20_000 < path.stat().st_size <= 2_000_000


# ------------------------------------------------------------------ what the renderers draw
def _cairosvg(svg: str, w: int, h: int) -> np.ndarray:
    try:
        import cairosvg
    except (ImportError, OSError) as exc:  # OSError: the package is there, libcairo is not
        pytest.skip(f"cairosvg is not usable here ({exc}); pip install cairosvg")
    data = cairosvg.svg2png(bytestring=svg.encode("utf-8"), output_width=w, output_height=h)
    return np.asarray(PILImage.open(io.BytesIO(data)).convert("RGBA"))


def _rsvg(svg: str, w: int, h: int, tmp_path) -> np.ndarray:
    exe = shutil.which("rsvg-convert")
    if exe is None:
        pytest.skip("rsvg-convert is not installed (apt-get install librsvg2-bin)")
    src, out = tmp_path / "figure.svg", tmp_path / "rsvg.png"
    src.write_text(svg, encoding="utf-8")
    subprocess.run([exe, "-w", str(w), "-h", str(h), str(src), "-o", str(out)], check=True, timeout=120)
    return np.asarray(PILImage.open(out).convert("RGBA"))


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


def _chromium(svg: str, w: int, h: int, tmp_path) -> np.ndarray:
    exe = chromium()
    if exe is None:
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    src, out = tmp_path / "figure.svg", tmp_path / "chromium.png"
    src.write_text(svg, encoding="utf-8")
    subprocess.run([exe, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                    "--force-device-scale-factor=1", f"--user-data-dir={tmp_path / 'profile'}",
                    f"--screenshot={out}", f"--window-size={w},{h}", src.as_uri()],
                   check=True, timeout=120, capture_output=True)
    return np.asarray(PILImage.open(out).convert("RGBA"))


def check_probes(image: np.ndarray, spec, fig, tolerance: int = 14) -> None:
    """The pixels the mathematics fixes: heatmap colours, red above the fold and blue below,
    the dark critical curve and its image, the lens's white background."""
    rgb = image[..., :3].astype(int)
    found = probes(spec, fig)
    kinds = {p.kind for p in found}
    assert {"heatmap", "lens"} <= kinds
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


def test_the_fold_separates_red_from_blue():
    """The cusp's fold x = −3y²: det J > 0 to its right, < 0 to its left, in the probes too."""
    text, at, rect = CASES["whitney-cusp"]
    spec = figure_spec(text, at=at, rect=rect)
    fig = layout_figure(spec, "both", SIZE)
    heat = [p for p in probes(spec, fig) if p.kind == "heatmap"]
    domain = fig.frames["domain"]
    signs = set()
    for p in heat:
        x, y = domain.to_data(p.column + 0.5, p.row + 0.5)
        if abs(x + 3 * y * y) > 0.1:
            assert np.sign(p.value) == np.sign(x + 3 * y * y)
            signs.add(np.sign(p.value))
    assert signs == {-1.0, 1.0}


def test_librsvg_draws_the_mathematics(case, tmp_path):
    _name, spec, fig, text = case
    check_probes(_rsvg(text, *SIZE, tmp_path), spec, fig)


def test_cairosvg_draws_the_mathematics(case):
    _name, spec, fig, text = case
    check_probes(_cairosvg(text, *SIZE), spec, fig)


def test_chromium_draws_the_mathematics(case, tmp_path):
    _name, spec, fig, text = case
    check_probes(_chromium(text, *SIZE, tmp_path), spec, fig)


def test_transparent_svg_has_nothing_behind_the_plots(tmp_path):
    text, at, rect = CASES["polar"]
    spec = figure_spec(text, at=at, rect=rect, options=FigureOptions(transparent=True))
    fig = layout_figure(spec, "both", SIZE)
    image = _rsvg(svg_text(fig), *SIZE, tmp_path)
    d = fig.frames["domain"].box
    assert image[2, 2, 3] == 0 and image[-3, -3, 3] == 0  # the figure's corners
    assert image[int(d.bottom) + 40, int(d.x) + 40, 3] == 0  # between the plots and their labels
    assert image[int(d.y + d.h / 2), int(d.x + d.w / 3), 3] == 255  # the heatmap is opaque
