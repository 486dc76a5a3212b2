"""The figure's layout from data: frames with equal scales, options, the lens, the readout, the spec."""

import math
from dataclasses import replace

import numpy as np
import pytest

from jacviz.core.errors import MappingError, UsageError
from jacviz.core.figure import FigureOptions, default_size, layout_figure
from jacviz.core.figure.build import figure_spec, readout_lines
from jacviz.core.figure.primitives import Image, Polyline, Shape, Text
from jacviz.core.figure.theme import DARK, LIGHT
from jacviz.core.lab.pointinfo import point_info
from jacviz.core.pipeline.prepare import prepare


@pytest.fixture(scope="module")
def cusp():
    return figure_spec("x, y^3 + xy", at=(-0.3, 0.2), rect=(-1.5, 1.0, -1.0, 1.0), pins=[(0.5, -0.5)])


def _texts(fig, clip=...):
    return [t.text for t in fig.items if isinstance(t, Text) and (clip is ... or t.clip == clip)]


def test_frames_keep_equal_scales_and_the_codomain_grows_to_fill(cusp):
    fig = layout_figure(cusp, "both", (1600, 750))
    assert (fig.width, fig.height) == (1600, 750)
    for name in ("domain", "codomain", "lens"):
        frame = fig.frames[name]
        x0, x1, y0, y1 = frame.rect
        assert frame.box.w / (x1 - x0) == pytest.approx(frame.box.h / (y1 - y0), rel=1e-9)
    assert fig.frames["domain"].rect == cusp.domain_rect  # exactly what was sampled
    u0, u1, v0, v1 = fig.frames["codomain"].rect
    c0, c1, d0, d1 = cusp.codomain_rect
    assert u0 <= c0 and u1 >= c1 and v0 <= d0 and v1 >= d1  # grown, never cut
    assert fig.frames["domain"].box.h == pytest.approx(fig.frames["codomain"].box.h)
    # nothing is laid out beyond the figure
    for region in (*(f.box for f in fig.frames.values()), *fig.regions.values()):
        assert 0 <= region.x and region.right <= 1600 and 0 <= region.y and region.bottom <= 750


def test_data_and_pixels_map_both_ways(cusp):
    frame = layout_figure(cusp).frames["domain"]
    px, py = frame.point(-0.3, 0.2)
    assert frame.to_data(px, py) == pytest.approx((-0.3, 0.2))
    assert frame.point(-1.5, -1.0) == pytest.approx((frame.box.x, frame.box.bottom))


def test_the_overlay_lens_and_readout_follow_the_cursor(cusp):
    fig = layout_figure(cusp)
    lens_items = [i for i in fig.items if getattr(i, "clip", None) == "lens"]
    strokes = [i.stroke.color[:3] for i in lens_items if isinstance(i, Polyline)]
    assert LIGHT.true_image in strokes and LIGHT.linear_image in strokes  # true image next to the ellipse
    dashed = [i for i in lens_items if isinstance(i, Polyline) and i.stroke.color[:3] == LIGHT.linear_image]
    assert dashed[0].stroke.dash
    assert "near F(p), magnified" in _texts(fig)
    readout = _texts(fig, "readout")
    assert readout[0].startswith("area near p is scaled ×0.18") and "det J" in readout and "−0.18" in readout
    assert "x, y^3 + xy" in readout
    bare = layout_figure(replace(cusp, linearization=None, readout=(), reading="", formulas=()))
    assert "lens" not in bare.frames
    assert not [t for t in _texts(bare) if t.startswith("near F(p)")]


def test_pins_show_in_both_views(cusp):
    fig = layout_figure(cusp)
    diamonds = [i for i in fig.items if isinstance(i, Shape) and i.fill == (*LIGHT.pin, 255)]
    assert {d.clip for d in diamonds} == {"domain", "codomain"}
    centre = diamonds[1].points.mean(axis=0)
    u, v = cusp.pin_images[0]
    assert centre == pytest.approx(fig.frames["codomain"].point(u, v))
    assert (u, v) == pytest.approx((0.5, -0.125 - 0.25))  # F(0.5, −0.5) = (x, y³ + xy)


@pytest.mark.parametrize("view", ["both", "domain", "codomain"])
def test_views_and_the_readout_option(cusp, view):
    fig = layout_figure(cusp, view)
    assert (fig.width, fig.height) == default_size(view, True)
    assert set(fig.frames) - {"lens"} == {"both": {"domain", "codomain"}, "domain": {"domain"},
                                          "codomain": {"codomain"}}[view]
    assert ("readout" in fig.regions) == (view == "both")
    assert len([i for i in fig.items if isinstance(i, Image)]) == (0 if view == "codomain" else 1)
    quiet = layout_figure(cusp.with_options(readout=False), view)
    assert "readout" not in quiet.regions and not _texts(quiet, "readout")


def test_print_options_change_the_paper_and_the_text(cusp):
    plain = layout_figure(cusp)
    assert plain.background == LIGHT.background and plain.dpi is None
    assert layout_figure(cusp.with_options(transparent=True)).background is None
    dark = layout_figure(cusp.with_options(theme="dark"))
    assert dark.background == DARK.background
    colours = {t.color[:3] for t in dark.items if isinstance(t, Text) and not t.clip}
    assert colours <= {DARK.foreground, DARK.muted}
    assert layout_figure(cusp.with_options(dpi=300)).dpi == 300

    def size_of(fig, text):
        return next(t.size for t in fig.items if isinstance(t, Text) and t.text == text)

    big = layout_figure(cusp.with_options(font_scale=2.0))
    assert size_of(big, "det J · linear scale") == pytest.approx(2 * size_of(plain, "det J · linear scale"))
    # lines scale with the figure, text with the figure and font_scale
    large = layout_figure(cusp, size=(3200, 1500))
    assert size_of(large, "near F(p), magnified") == pytest.approx(2 * size_of(plain, "near F(p), magnified"))
    widest = [max(i.stroke.width for i in f.items if isinstance(i, Polyline)) for f in (plain, large)]
    assert widest[1] == pytest.approx(2 * widest[0])


def test_the_colormap_option_colours_the_heatmap(cusp):
    def heatmap(spec):
        return next(i for i in layout_figure(spec).items if isinstance(i, Image)).rgba

    vik, old = heatmap(cusp), heatmap(cusp.with_options(colormap="coolwarm"))
    assert vik.shape == old.shape and not (vik == old).all()
    # the same sign either way: warm where det J > 0
    warm = cusp.scene.det[::-1] > 0.5 * cusp.scene.level
    for image in (vik, old):
        assert (image[warm][:, 0].astype(int) > image[warm][:, 2].astype(int)).all()


@pytest.mark.parametrize("mode,title,note", [
    ("det", "det J · linear scale", "0: F folds"),
    ("log", "log₁₀|det J| · log scale", "0: area kept"),
    ("sign", "sign of det J", "0: F folds"),
    ("linerr", "linearization error · linear scale", "0: J(p) predicts F exactly"),
])
def test_the_colour_bar_says_which_scale_is_on_and_what_0_means(mode, title, note):
    spec = figure_spec("x, y^3 + xy", at=(-0.3, 0.2), rect=(-1.5, 1.0, -1.0, 1.0), mode=mode)
    fig = layout_figure(spec)
    texts = _texts(fig)
    assert title in texts
    assert any(t.startswith(note) for t in texts)
    bar = fig.regions["colorbar"]
    assert bar.h == pytest.approx(fig.frames["domain"].box.h)


def test_bad_options_are_refused_with_one_line():
    for kwargs, words in (({"theme": "blue"}, "theme"), ({"colormap": "jet"}, "colour map"),
                          ({"dpi": 0}, "--dpi"), ({"font_scale": 40}, "--font-scale")):
        with pytest.raises(UsageError, match=words):
            FigureOptions(**kwargs)


def test_bad_sizes_views_and_rectangles_are_refused(cusp):
    with pytest.raises(UsageError, match="between 16 and 16384"):
        layout_figure(cusp, size=(20000, 100))
    with pytest.raises(UsageError, match="unknown view"):
        layout_figure(cusp, "left")
    with pytest.raises(UsageError, match="X0 < X1"):
        figure_spec("z^2", rect=(1, 0, 0, 1))
    with pytest.raises(MappingError):
        figure_spec("sine(x), y")
    with pytest.raises(MappingError, match="unknown parameter"):
        figure_spec("a x, y", params={"b": 2})
    with pytest.raises(UsageError, match="heatmap mode"):
        replace(cusp, mode="hot")


def test_a_spec_from_an_isolated_or_given_preparation_is_the_same_figure():
    isolated = figure_spec("x, y^3 + xy", at=(-0.3, 0.2), isolated=True, use_cache=False)
    given = figure_spec("ignored", prepared=prepare("x, y^3 + xy"), at=(-0.3, 0.2), formulas=("u = x",))
    assert (isolated.scene.det == given.scene.det).all()
    assert isolated.readout == given.readout and isolated.formulas[-1] == "det J = x + 3*y**2"
    assert given.formulas == ("u = x",)


def test_the_readout_rows_are_the_windows_numbers():
    compiled = prepare("(r, t) -> r cos(t), r sin(t)").compiled
    rows = dict(readout_lines(point_info(compiled, 2.0, 0.0), ("r", "t")))
    assert rows["p"] == "(2, 0) [r, t]"
    assert rows["det J"] == "2" and rows["singular values"] == "2, 1"
    assert rows["J(p)"] == "1\t0" and rows[""] == "0\t2"
    singular = dict(readout_lines(point_info(compiled, 0.0, 0.3), ("r", "t")))
    assert singular["log|det J|"] == "−∞"


def test_a_scene_with_poles_draws_only_finite_clipped_curves():
    spec = figure_spec("1/z", at=(0.5, 0.5), rect=(-2.0, 2.0, -2.0, 2.0))
    fig = layout_figure(spec)
    boxes = {name: fig.clips[name].grown(40) for name in fig.clips}
    for item in fig.items:
        if isinstance(item, Polyline):
            for run in item.runs:
                assert np.isfinite(run).all() and len(run) >= 2
                if item.clip is not None:
                    box = boxes[item.clip]
                    assert (run[:, 0] >= box.x).all() and (run[:, 0] <= box.right).all()
                    assert (run[:, 1] >= box.y).all() and (run[:, 1] <= box.bottom).all()
    assert math.isfinite(spec.scene.level)
