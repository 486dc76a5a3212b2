"""A :class:`FigureSpec` made in this process from a mapping's text, with no window.

For ``jacviz export`` without Qt, for the tests, and for scripts: the same pipeline as the
window (:func:`~jacviz.core.pipeline.prepare.prepare`, then
:func:`~jacviz.core.pipeline.scene.sample_scene`), the same numbers at the cursor
(:func:`~jacviz.core.lab.pointinfo.point_info`) and the same linearization.
"""

from __future__ import annotations

import math

import numpy as np

from jacviz.core.errors import UsageError
from jacviz.core.figure.spec import FigureOptions, FigureSpec
from jacviz.core.lab.pointinfo import PointInfo, point_info
from jacviz.core.language import parameter_values
from jacviz.core.language.names import image_names
from jacviz.core.pipeline.network import network_fields, network_point, sample_mapping_scene
from jacviz.core.pipeline.prepared import Prepared
from jacviz.core.pipeline.scene import DEFAULT_QUALITY, Quality, image_limits, visible_images
from jacviz.core.sampling.geometry import Rect
from jacviz.core.sampling.heatmap import NETWORK_MODES
from jacviz.core.sampling.linearization import linearization

DEFAULT_RECT: Rect = (-2.0, 2.0, -2.0, 2.0)
DEFAULT_H = 0.1


def number(x: float) -> str:
    """A number to 4 significant digits, as the window's readout writes it; '—' if undefined."""
    if x is None or not math.isfinite(x):
        return "—"
    if x == 0:
        return "0"
    return f"{x:.4g}".replace("-", "−")


def _eigen_text(eigenvalues) -> str:
    z1, z2 = eigenvalues
    if math.isfinite(z1.imag) and abs(z1.imag) > 1e-12 * max(1.0, abs(z1.real)):
        return f"{number(z1.real)} ± {number(abs(z1.imag))}i"
    return f"{number(z1.real)}, {number(z2.real)}"


def readout_lines(info: PointInfo, variables: tuple[str, str] = ("x", "y")) -> tuple[tuple[str, str], ...]:
    """The readout's rows for the numbers at one point, as (label, value); J's rows in columns."""
    (x, y), (u, v) = info.point, info.value
    j = info.jacobian
    logdet = "−∞" if info.det == 0 else number(info.log_abs_det)
    return (
        ("p", f"({number(x)}, {number(y)}) [{variables[0]}, {variables[1]}]"),
        ("F(p)", f"({number(u)}, {number(v)})"),
        ("J(p)", f"{number(j[0, 0])}\t{number(j[0, 1])}"),
        ("", f"{number(j[1, 0])}\t{number(j[1, 1])}"),
        ("det J", number(info.det)),
        ("log|det J|", logdet),
        ("trace J", number(info.trace)),
        ("eigenvalues", _eigen_text(info.eigenvalues)),
        ("singular values", ", ".join(number(s) for s in info.singular_values)),
    )


def formula_lines(formulas, names: tuple[str, str], simplified=None) -> tuple[str, ...]:
    """u = …, v = … and det J = … from a mapping's Formulas, simplified where a form is given."""
    if formulas is None:
        return ()
    simplified = simplified or {}

    def get(key: str) -> str:
        form = simplified.get(key)
        return form.text if form is not None else formulas.get(key)

    u, v = names
    return (f"{u} = {get('u')}", f"{v} = {get('v')}", f"det J = {get('det')}")


def at_cursor(compiled, at: tuple[float, float], h: float, params=None,
              variables: tuple[str, str] = ("x", "y")):
    """What a figure shows for the cursor at ``at``: (linearization, readout rows, sentence)."""
    info = point_info(compiled, at[0], at[1], params)
    lin = linearization(compiled, at, h, params, jacobian=info.jacobian)
    return lin, readout_lines(info, variables), info.reading()


def pin_images(compiled, pins, params=None) -> tuple[tuple[float, float], ...]:
    """F at each pin (NaN where F is undefined), for FigureSpec.pin_images."""
    if not len(pins):
        return ()
    arr = np.asarray(pins, dtype=float).reshape(-1, 2)
    if getattr(compiled, "n_outputs", 2) != 2:  # a network of 2 → k: no image plane
        return tuple((math.nan, math.nan) for _ in range(len(arr)))
    u, v = compiled.values(arr[:, 0], arr[:, 1], params)
    pairs = zip(np.broadcast_to(u, len(arr)), np.broadcast_to(v, len(arr)), strict=True)
    return tuple((float(a), float(b)) for a, b in pairs)


def network_at_cursor(net, at: tuple[float, float], h: float):
    """:func:`at_cursor` for a network of any shape: a 2 → k model has rows and a sentence, no lens."""
    if net.n_outputs == 2:
        return at_cursor(net, at, h, None, tuple(net.variables))
    info = network_point(net, at)
    return None, info.rows(), info.reading()


def figure_spec(text: str, *, variables: tuple[str, str] | None = None,
                params: dict[str, float] | None = None,
                rect: Rect = DEFAULT_RECT, at: tuple[float, float] | None = None, h: float = DEFAULT_H,
                mode: str = "auto", pins=(), quality: Quality = DEFAULT_QUALITY,
                options: FigureOptions | None = None, codomain_rect: Rect | None = None,
                use_cache: bool = True, isolated: bool = False, prepared: Prepared | None = None,
                formulas: tuple[str, ...] | None = None, vector_field: bool = False,
                trajectories=()) -> FigureSpec:
    """Prepare ``text``, sample it over ``rect`` and describe the figure the window would show.

    ``at`` puts the cursor there (its neighbourhood of radius ``h``, the lens and the
    readout); without it the figure has no overlay and no numbers. The codomain shows the
    robust limits of the image of ``rect``, as the window's right view does when it follows.
    ``isolated`` does sympy's work in a worker process that is killed when too slow (what a
    command given untrusted text should do); ``prepared`` skips preparing altogether.
    ``formulas`` replace the raw u, v and det J lines (with simplified ones, say).
    ``vector_field`` draws F read as a vector field over the domain (arrows, streamlines,
    equilibria), and ``trajectories`` the solutions of p' = F(p) through those points.
    Raises MappingError for a bad mapping or parameter, UsageError for a bad rectangle.
    """
    x0, x1, y0, y1 = (float(v) for v in rect)
    if not (x0 < x1 and y0 < y1) or not all(math.isfinite(v) for v in (x0, x1, y0, y1)):
        raise UsageError("the domain needs X0 < X1 and Y0 < Y1")
    if not (h > 0 and math.isfinite(h)):
        raise UsageError("h must be a positive number")
    if prepared is None:
        from jacviz.core.pipeline.prepare import prepare

        prepared = prepare(text, variables, use_cache=use_cache, isolated=isolated)
    values = parameter_values(prepared.parameters, dict(params or {}))
    compiled = prepared.compiled
    fields = ()
    if mode == "linerr":
        from jacviz.core.lab.linerror import field_request

        fields = (field_request(h),)
    elif mode == "basins":
        from jacviz.core.lab.newton import field_request as basins_request

        fields = (basins_request(),)
    elif mode in NETWORK_MODES:  # a trained network's decision regions or one output
        fields = tuple(r for r in network_fields(compiled) if r.mode == mode)  # type: ignore[arg-type]
    scene = sample_mapping_scene(compiled, (x0, x1, y0, y1), quality, values, fields=fields)
    if codomain_rect is None:
        vertical, horizontal, _critical = visible_images(scene, scene.visible)
        (u0, v0), (u1, v1) = image_limits(vertical, horizontal)
        codomain_rect = (u0, u1, v0, v1)
    lin = None
    rows: tuple[tuple[str, str], ...] = ()
    reading = ""
    lines = getattr(prepared, "lines", None)  # a network: its name and layers instead of formulas
    if at is not None and callable(lines):
        lin, rows, reading = network_at_cursor(compiled, (float(at[0]), float(at[1])), h)
    elif at is not None:
        lin, rows, reading = at_cursor(compiled, (float(at[0]), float(at[1])), h, values, prepared.variables)
    portrait, flows = None, ()
    if vector_field or trajectories:
        from jacviz.core.lab.portrait import phase_portrait
        from jacviz.core.lab.portrait import trajectories as solve

        rect4 = (x0, x1, y0, y1)
        portrait = phase_portrait(compiled, rect4, values) if vector_field else None
        flows = solve(compiled, [(float(a), float(b)) for a, b in trajectories], rect4, values)
    pins = tuple((float(px), float(py)) for px, py in pins)
    names = image_names(prepared.variables)
    return FigureSpec(
        scene=scene,
        domain_rect=(x0, x1, y0, y1),
        codomain_rect=tuple(float(c) for c in codomain_rect),  # type: ignore[arg-type]
        mode=mode,
        linearization=lin,
        pins=pins,
        pin_images=pin_images(compiled, pins, values),
        axis_names=prepared.variables,
        image_names=names,
        readout=rows,
        reading=reading,
        formulas=tuple(formulas) if formulas is not None else tuple(lines()) if callable(lines)
        else formula_lines(prepared.formulas, names, prepared.simplified),
        mapping_text=text,
        options=options or FigureOptions(),
        portrait=portrait,
        trajectories=tuple(flows),
    )
