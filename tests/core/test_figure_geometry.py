"""Clean polylines for the writers: split at breaks, clipped, simplified, joined; ticks; the PNG encoder."""

import io
import math
import struct
import zlib

import numpy as np
import pytest
from PIL import Image as PILImage

from jacviz.core.figure.geometry import (
    arrow,
    chain_pairs,
    clip_run,
    nice_ticks,
    pixel_runs,
    simplify_runs,
    split_runs,
    text_width,
    tick_label,
    wrap,
)
from jacviz.core.figure.png import encode_png
from jacviz.core.figure.primitives import Box
from jacviz.core.sampling.contours import critical_segments
from jacviz.core.sampling.fields import cell_centres

NAN = [np.nan, np.nan]


def test_runs_split_at_nan_and_single_points_are_dropped():
    pts = np.array([[0, 0], [1, 0], NAN, [5, 5], NAN, NAN, [2, 2], [3, 3], [4, 4], NAN])
    runs = split_runs(pts)
    assert [len(r) for r in runs] == [2, 3]
    assert runs[1][0].tolist() == [2, 2]
    assert split_runs(np.array([NAN, [1, 1]])) == []
    assert split_runs(np.empty((0, 2))) == []


def test_clipping_cuts_at_the_box_edge_exactly():
    box = Box(0, 0, 10, 10)
    (piece,) = clip_run(np.array([[5.0, 5.0], [25.0, 5.0]]), box)
    assert piece.tolist() == [[5.0, 5.0], [10.0, 5.0]]
    # out and back in: two pieces, each ending on the edge
    runs = clip_run(np.array([[2.0, 5.0], [20.0, 5.0], [20.0, 7.0], [3.0, 7.0]]), box)
    assert [r.tolist() for r in runs] == [[[2.0, 5.0], [10.0, 5.0]], [[10.0, 7.0], [3.0, 7.0]]]
    # a segment passing through from far outside keeps its inside part only
    (through,) = clip_run(np.array([[-1e12, 5.0], [1e12, 5.0]]), box)
    assert np.allclose(through, [[0, 5], [10, 5]])
    assert clip_run(np.array([[20.0, 20.0], [30.0, 40.0]]), box) == []


def test_clean_runs_never_hold_huge_or_repeated_points():
    box = Box(0, 0, 100, 100)
    t = np.linspace(-3, 3, 2001)
    # a curve through a pole: 1/x in pixels, with the pole as a NaN break
    with np.errstate(divide="ignore"):
        y = 50 + 20 / t
    y[1000] = np.nan
    pts = np.stack([50 + 15 * t, y], axis=1)
    runs = pixel_runs(pts, box)
    assert runs
    for run in runs:
        assert len(run) >= 2
        assert (run >= -1e-9).all() and (run <= 100 + 1e-9).all()
        assert (np.hypot(*np.diff(run, axis=0).T) > 0).all()


def _distance_to(points: np.ndarray, polyline: np.ndarray) -> np.ndarray:
    a, b = polyline[:-1], polyline[1:]
    d = b - a
    t = np.clip(((points[:, None, :] - a) * d).sum(-1) / (d * d).sum(-1), 0, 1)
    nearest = a + t[..., None] * d
    return np.hypot(*(points[:, None, :] - nearest).transpose(2, 0, 1)).min(axis=1)


def test_simplify_keeps_every_point_within_the_tolerance():
    theta = np.linspace(0, 2 * np.pi, 400)
    circle = np.stack([200 + 150 * np.cos(theta), 200 + 150 * np.sin(theta)], axis=1)
    wiggle = np.stack([np.linspace(0, 300, 500), 50 + 3 * np.sin(np.linspace(0, 40, 500))], axis=1)
    line = np.stack([np.linspace(0, 10, 50), np.linspace(0, 5, 50)], axis=1)
    simple, simple_wiggle, simple_line = simplify_runs([circle, wiggle, line], 0.1)
    assert 20 < len(simple) < 200 and len(simple_wiggle) < 400
    assert simple_line.tolist() == [[0.0, 0.0], [10.0, 5.0]]
    for original, result in ((circle, simple), (wiggle, simple_wiggle)):
        assert (result[0] == original[0]).all() and (result[-1] == original[-1]).all()
        assert _distance_to(original, result).max() <= 0.1 + 1e-9


def test_marching_squares_segments_join_into_one_closed_curve():
    rect = (-2.0, 2.0, -2.0, 2.0)
    xs, ys = cell_centres(rect, 64)
    field = xs[None, :] ** 2 + ys[:, None] ** 2 - 1.0
    pairs = critical_segments(field, rect)
    chains = chain_pairs(pairs)
    assert len(chains) == 1
    chain = chains[0]
    assert len(chain) == len(pairs) // 2 + 1  # every segment used once
    assert np.allclose(chain[0], chain[-1])  # closed
    assert np.allclose(np.hypot(chain[:, 0], chain[:, 1]), 1.0, atol=0.01)


def test_an_arrow_is_a_shaft_and_a_head():
    shaft, head = arrow((1.0, 1.0), (2.0, 0.0))
    assert shaft.tolist() == [[1.0, 1.0], [3.0, 1.0]]
    assert head[1].tolist() == [3.0, 1.0]
    # the head's ends lie behind the tip, symmetric about the shaft
    assert head[0][0] < 3 and head[2][0] < 3 and math.isclose(head[0][1] - 1, 1 - head[2][1])
    assert arrow((0, 0), (0, 0)) == [] and arrow((0, 0), (np.nan, 1)) == []


def test_ticks_are_round_numbers_inside_the_range():
    assert nice_ticks(-2.0, 2.0, 400, 80) == [-2.0, -1.0, 0.0, 1.0, 2.0]
    ticks = nice_ticks(-0.37, 1.24, 300, 60)
    assert ticks == pytest.approx([0.0, 0.5, 1.0]) or ticks == pytest.approx([-0.2, 0.0, 0.2, 0.4, 0.6, 0.8,
                                                                             1.0, 1.2])
    assert all(-0.37 <= t <= 1.24 for t in ticks)
    assert [tick_label(t, [-0.5, 0.0, 0.5]) for t in (-0.5, 0.0, 0.5)] == ["−0.5", "0.0", "0.5"]
    assert tick_label(20.0, [0.0, 10.0, 20.0]) == "20"
    assert nice_ticks(1.0, 1.0, 100, 10) == [] and nice_ticks(0, math.inf, 100, 10) == []


def test_text_width_follows_dejavu_metrics():
    assert text_width("0000", 10, mono=True) == pytest.approx(24.08)
    assert text_width("0", 2048) == 1303  # DejaVu Sans digits are 1303 units wide
    assert text_width("W", 20, bold=True) > text_width("W", 20) > text_width("i", 20)
    assert wrap("one two three four", 10, text_width("three four", 10) + 0.1) == ["one two", "three four"]


def _chunks(data: bytes):
    pos = 8
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind = data[pos + 4:pos + 8]
        body = data[pos + 8:pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])
        assert crc == zlib.crc32(kind + body) & 0xFFFFFFFF
        yield kind, body
        pos += 12 + length


def test_png_encoder_round_trips_through_pillow():
    rng = np.random.default_rng(3)
    smooth = np.linspace(0, 255, 37 * 23).reshape(23, 37)
    rgba = np.stack([smooth, smooth[::-1], rng.integers(0, 256, smooth.shape), np.full_like(smooth, 200)], -1)
    rgba = rgba.astype(np.uint8)
    rgba[5, 7, 3] = 0
    data = encode_png(rgba, dpi=300)
    back = np.asarray(PILImage.open(io.BytesIO(data)).convert("RGBA"))
    assert back.shape == rgba.shape and (back == rgba).all()
    chunks = dict(_chunks(data))
    assert struct.unpack(">IIB", chunks[b"pHYs"]) == (11811, 11811, 1)  # 300 dpi in pixels per metre
    assert b"pHYs" not in dict(_chunks(encode_png(rgba)))
    with pytest.raises(ValueError):
        encode_png(np.zeros((4, 4, 3), dtype=np.uint8))
