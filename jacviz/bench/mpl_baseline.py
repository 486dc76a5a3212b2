"""The matplotlib baseline: the same figure and the same operations as a careful script.

This is the reference the benchmark compares jacviz with — written as a competent user of
matplotlib would write it, not as a straw man:

* a 1280×720 figure (100 dpi) drawn offscreen with Agg (``Figure`` + ``FigureCanvasAgg``,
  no pyplot, no GUI toolkit), with two panels and a text readout on the right:
  the **domain** (det J as a 512×512 ``imshow`` with ``interpolation="nearest"`` and a
  colour bar, 41 grid lines per family of 400 samples each, drawn as one NaN-separated
  ``Line2D`` per family, the critical curve det J = 0 by ``contour``, the cursor, its
  neighbourhood circle of 97 points and the arrows h·e₁, h·e₂) and the **codomain** (the
  images of the grid lines and of the critical curve, the true image of the circle, its
  linear image F(p) + J(p)·(c − p), and the arrows h·J e₁, h·J e₂);
* the readout: p, F(p), det J, log|det J|, trace, eigenvalues, singular values, J and a
  sentence, as one monospace ``Text``.

F, J and det J are numpy closed forms written by hand (:mod:`jacviz.bench.workloads`),
except where a mapping *changes*: there the script derives J with sympy from an
expression built in Python (``Matrix.jacobian``, det = ad − bc) and evaluates the sympy
expressions with :func:`numpy_function`, a small tree walker with common subexpressions
shared (what sympy's lambdify with cse=True produces, without generating code). It does not
parse text: jacviz's own test forbids ``parse_expr``/``lambdify``/``exec`` anywhere in the
package, and a reference script would write its formula in Python anyway.

Operations (``run`` mode; times in ms):

* ``cursor_full``: update the overlay and the readout, then ``canvas.draw()``;
* ``cursor_blit``: the expert's way: the overlay artists are ``animated``; per move
  ``restore_region`` of the saved background, ``draw_artist`` of each overlay artist and
  ``blit`` (on Agg the blit itself is a no-op: there is no screen to copy to);
* ``pan_step``: shift the domain by 1 % of its width, resample det J, the grid, the
  critical curve and their images, reframe the codomain, ``canvas.draw()``;
* ``mapping_change``: alternate with the partner mapping; the timed change into the
  workload derives J with sympy, builds the numeric functions, samples everything,
  updates the overlay and readout, ``canvas.draw()``. ``mapping_change_cold_cache``
  does the same after clearing sympy's cache (a mapping never seen before);
* ``numpy_det_512``: the hand-written det J alone on a 512×512 grid: the numpy floor.

``cold`` mode is the cold start: a fresh process that imports numpy, matplotlib and sympy,
derives J, draws and saves the figure as PNG, and prints its own time and peak RSS.
"""

from __future__ import annotations

import time

T0 = time.perf_counter()

import argparse  # noqa: E402 - after T0 on purpose: a cold start times everything below
import functools  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import sys  # noqa: E402
from collections.abc import Callable  # noqa: E402
from dataclasses import dataclass  # noqa: E402

import numpy as np  # noqa: E402

from jacviz.bench.workloads import BY_NAME, PARTNER, Rect, Workload  # noqa: E402

MARKER = "JACVIZ-BENCH "
WIDTH, HEIGHT, DPI = 1280, 720, 100
HEATMAP = 512
LINES = 41
SAMPLES = 400
CIRCLE = 97

Array = np.ndarray


# ---------------------------------------------------------------------------------------
# The mapping as numpy functions: hand-written, or derived with sympy


@dataclass(frozen=True)
class Functions:
    """F, J's entries and det J as numpy functions of (x, y)."""

    values: Callable[[Array, Array], tuple[Array, Array]]
    jac: Callable[[Array, Array], tuple[Array, Array, Array, Array]]
    det: Callable[[Array, Array], Array]


def closed_forms(workload: Workload) -> Functions:
    """The workload's hand-written F, J and det J."""
    return Functions(workload.values, workload.jac, workload.det)


_NUMPY_FUNCTIONS = {
    "sin": np.sin, "cos": np.cos, "tan": np.tan, "tanh": np.tanh, "sinh": np.sinh, "cosh": np.cosh,
    "exp": np.exp, "log": np.log, "atan": np.arctan, "asin": np.arcsin, "acos": np.arccos, "Abs": np.abs,
}


def numpy_function(exprs: list, symbols: tuple) -> Callable[[Array, Array], list[Array]]:
    """Evaluate sympy expressions on numpy arrays by walking their trees (no generated code).

    Shared subexpressions are evaluated once per call, as lambdify with cse=True does.
    """

    def evaluate(x: Array, y: Array) -> list[Array]:
        memo: dict = {symbols[0]: x, symbols[1]: y}

        def ev(e):
            hit = memo.get(e)
            if hit is not None:
                return hit
            if e.is_Number or e.is_NumberSymbol:
                out = float(e)
            elif e.is_Add:
                out = functools.reduce(np.add, [ev(a) for a in e.args])
            elif e.is_Mul:
                out = functools.reduce(np.multiply, [ev(a) for a in e.args])
            elif e.is_Pow:
                base, exponent = e.args
                if exponent == -1:
                    out = np.reciprocal(ev(base))
                elif exponent == 2:
                    out = np.square(ev(base))
                else:
                    out = np.power(ev(base), ev(exponent))
            elif e.is_Function and e.func.__name__ in _NUMPY_FUNCTIONS:
                out = _NUMPY_FUNCTIONS[e.func.__name__](*[ev(a) for a in e.args])
            else:
                raise ValueError(f"no numpy form for {e.func.__name__}")
            memo[e] = out
            return out

        with np.errstate(all="ignore"):
            shape = np.broadcast_shapes(np.shape(x), np.shape(y))
            return [np.broadcast_to(ev(e), shape) for e in exprs]

    return evaluate


def derived(workload: Workload) -> Functions:
    """F from the workload's Python form, J and det J derived and evaluated through sympy."""
    import sympy as sp

    x, y = sp.symbols(workload.variables, real=True)
    u, v = workload.f(x, y, sp)
    jac = sp.Matrix([u, v]).jacobian([x, y])
    det = jac[0, 0] * jac[1, 1] - jac[0, 1] * jac[1, 0]
    f_num = numpy_function([u, v], (x, y))
    j_num = numpy_function(list(jac), (x, y))
    d_num = numpy_function([det], (x, y))
    return Functions(
        values=lambda a, b: tuple(f_num(a, b)),  # type: ignore[return-value]
        jac=lambda a, b: tuple(j_num(a, b)),  # type: ignore[return-value]
        det=lambda a, b: d_num(a, b)[0],
    )


# ---------------------------------------------------------------------------------------
# The figure


def _with_breaks(x: Array, y: Array) -> tuple[Array, Array]:
    """(lines, samples) arrays -> one polyline per family, NaN between lines."""
    lines = x.shape[0]
    nan = np.full((lines, 1), np.nan)
    return np.hstack([x, nan]).ravel(), np.hstack([y, nan]).ravel()


def _arrow(origin: Array, vector: Array) -> tuple[list[float], list[float]]:
    """An arrow from ``origin`` along ``vector`` as one NaN-separated polyline."""
    tip = origin + vector
    length = float(np.hypot(*vector))
    if not math.isfinite(length) or length == 0:
        return [], []
    back = -vector * 0.22
    c, s = math.cos(math.radians(24)), math.sin(math.radians(24))
    left = tip + np.array([c * back[0] - s * back[1], s * back[0] + c * back[1]])
    right = tip + np.array([c * back[0] + s * back[1], -s * back[0] + c * back[1]])
    xs = [origin[0], tip[0], np.nan, left[0], tip[0], right[0]]
    ys = [origin[1], tip[1], np.nan, left[1], tip[1], right[1]]
    return xs, ys


def _fmt(value: float) -> str:
    return f"{value:.4g}" if math.isfinite(value) else "—"


class BaselineFigure:
    """The figure: domain and codomain panels and a readout, on an Agg canvas."""

    def __init__(self, funcs: Functions, rect: Rect, variables: tuple[str, str]) -> None:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        self.funcs = funcs
        self.rect = rect
        self.variables = variables
        self.cursor = (rect[0] + 0.637 * (rect[1] - rect[0]), rect[2] + 0.593 * (rect[3] - rect[2]))
        self.h = 0.035 * max(rect[1] - rect[0], rect[3] - rect[2])
        self.fig = Figure(figsize=(WIDTH / DPI, HEIGHT / DPI), dpi=DPI)
        self.canvas = FigureCanvasAgg(self.fig)
        self.ax = self.fig.add_axes((0.05, 0.08, 0.33, 0.86))
        self.bx = self.fig.add_axes((0.455, 0.08, 0.32, 0.86))
        for axes in (self.ax, self.bx):
            axes.set_aspect("equal", adjustable="box")
        self.ax.set_xlabel(variables[0])
        self.ax.set_ylabel(variables[1])
        self.bx.set_xlabel("u")
        self.bx.set_ylabel("v")
        x0, x1, y0, y1 = rect
        self.image = self.ax.imshow(np.zeros((HEATMAP, HEATMAP)), extent=(x0, x1, y0, y1), origin="lower",
                                    cmap="RdBu_r", interpolation="nearest", zorder=0)
        self.colorbar = self.fig.colorbar(self.image, ax=self.ax, label="det J", fraction=0.05, pad=0.02)
        grid = {"lw": 0.8, "alpha": 0.6}
        (self.grid_v,) = self.ax.plot([], [], color="#6a3d9a", **grid)
        (self.grid_h,) = self.ax.plot([], [], color="#e66101", **grid)
        (self.image_v,) = self.bx.plot([], [], color="#6a3d9a", **grid)
        (self.image_h,) = self.bx.plot([], [], color="#e66101", **grid)
        (self.critical_image,) = self.bx.plot([], [], color="black", lw=2.0)
        self.contours = None
        # the overlay: everything a cursor move changes
        (self.circle,) = self.ax.plot([], [], color="black", lw=2.0, zorder=10)
        (self.e1,) = self.ax.plot([], [], color="#e66101", lw=2.0, zorder=11)
        (self.e2,) = self.ax.plot([], [], color="#6a3d9a", lw=2.0, zorder=11)
        (self.dot,) = self.ax.plot([], [], "o", mfc="white", mec="black", ms=6, zorder=12)
        (self.true_image,) = self.bx.plot([], [], color="black", lw=2.0, zorder=10)
        (self.linear_image,) = self.bx.plot([], [], "--", color="#c51b7d", lw=2.0, zorder=11)
        (self.je1,) = self.bx.plot([], [], color="#e66101", lw=2.0, zorder=12)
        (self.je2,) = self.bx.plot([], [], color="#6a3d9a", lw=2.0, zorder=12)
        (self.value_dot,) = self.bx.plot([], [], "o", mfc="white", mec="black", ms=6, zorder=13)
        # the readout: static labels drawn once, the values (which change) beside them
        text = {"family": "monospace", "fontsize": 8.5, "va": "top"}
        self.sentence = self.fig.text(0.785, 0.94, "", fontsize=9, va="top", weight="bold")
        self.labels = self.fig.text(0.785, 0.89, "\n".join(self._LABELS), **text)
        self.readout = self.fig.text(0.868, 0.89, "", **text)
        self.overlay = [self.circle, self.e1, self.e2, self.dot, self.true_image, self.linear_image,
                        self.je1, self.je2, self.value_dot, self.sentence, self.readout]
        self._background = None
        self.set_rect(rect)
        self.set_cursor(*self.cursor)

    # -- static layers: everything that depends on the visible rectangle
    def set_rect(self, rect: Rect) -> None:
        """Sample det J, the grid and the critical curve over ``rect`` and show them."""
        self.rect = rect
        x0, x1, y0, y1 = rect
        funcs = self.funcs
        xs = x0 + (np.arange(HEATMAP) + 0.5) * ((x1 - x0) / HEATMAP)
        ys = y0 + (np.arange(HEATMAP) + 0.5) * ((y1 - y0) / HEATMAP)
        with np.errstate(all="ignore"):
            det = np.asarray(funcs.det(xs[None, :], ys[:, None]), dtype=float)
            finite = np.abs(det[np.isfinite(det)])
            level = float(np.percentile(finite, 98)) if finite.size else 1.0
            level = level if level > 0 else 1.0
            self.image.set_data(det)
            self.image.set_extent((x0, x1, y0, y1))
            self.image.set_clim(-level, level)
            # grid lines and their images
            at_x, at_y = np.linspace(x0, x1, LINES), np.linspace(y0, y1, LINES)
            tx, ty = np.linspace(x0, x1, SAMPLES), np.linspace(y0, y1, SAMPLES)
            vx, vy = np.broadcast_arrays(at_x[:, None], ty[None, :])
            hx, hy = np.broadcast_arrays(tx[None, :], at_y[:, None])
            self.grid_v.set_data(*_with_breaks(vx, vy))
            self.grid_h.set_data(*_with_breaks(hx, hy))
            vu, vv = funcs.values(vx, vy)
            hu, hv = funcs.values(hx, hy)
            self.image_v.set_data(*_with_breaks(vu, vv))
            self.image_h.set_data(*_with_breaks(hu, hv))
            # the critical curve and its image
            if self.contours is not None:
                self.contours.remove()
                self.contours = None
            if np.nanmin(det) < 0 < np.nanmax(det):
                self.contours = self.ax.contour(xs, ys, det, levels=[0.0], colors="black", linewidths=2.0)
                segments = [seg for seg in self.contours.allsegs[0] if len(seg)]
            else:
                segments = []
            if segments:
                pts = np.concatenate([np.vstack([seg, [[np.nan, np.nan]]]) for seg in segments])
                cu, cv = funcs.values(pts[:, 0], pts[:, 1])
                self.critical_image.set_data(cu, cv)
            else:
                self.critical_image.set_data([], [])
            # frame the codomain on the bulk of the image (a pole must not zoom it out)
            pu = np.concatenate([np.ravel(vu), np.ravel(hu)])
            pv = np.concatenate([np.ravel(vv), np.ravel(hv)])
            ok = np.isfinite(pu) & np.isfinite(pv)
            (u0, u1), (v0, v1) = np.percentile(pu[ok], [1, 99]), np.percentile(pv[ok], [1, 99])
        pad_u, pad_v = 0.05 * (u1 - u0 or 1.0), 0.05 * (v1 - v0 or 1.0)
        self.bx.set_xlim(u0 - pad_u, u1 + pad_u)
        self.bx.set_ylim(v0 - pad_v, v1 + pad_v)
        self.ax.set_xlim(x0, x1)
        self.ax.set_ylim(y0, y1)

    def set_mapping(self, funcs: Functions) -> None:
        """A new mapping on the same rectangle: resample and refresh the overlay."""
        self.funcs = funcs
        self.set_rect(self.rect)
        self.set_cursor(*self.cursor)

    # -- the overlay
    def set_cursor(self, x: float, y: float) -> None:
        """Move the cursor: its neighbourhood, their images, the arrows and the readout."""
        self.cursor = (x, y)
        funcs, h = self.funcs, self.h
        p = np.array([x, y])
        theta = np.linspace(0.0, 2.0 * np.pi, CIRCLE)
        cx, cy = x + h * np.cos(theta), y + h * np.sin(theta)
        with np.errstate(all="ignore"):
            fu, fv = funcs.values(np.array([x]), np.array([y]))
            fp = np.array([float(fu[0]), float(fv[0])])
            a, b, c, d = (float(np.ravel(e)[0]) for e in funcs.jac(np.array([x]), np.array([y])))
            jac = np.array([[a, b], [c, d]])
            tu, tv = funcs.values(cx, cy)
            lin = fp[:, None] + jac @ np.vstack([cx - x, cy - y])
        self.circle.set_data(cx, cy)
        self.dot.set_data([x], [y])
        self.e1.set_data(*_arrow(p, np.array([h, 0.0])))
        self.e2.set_data(*_arrow(p, np.array([0.0, h])))
        self.true_image.set_data(tu, tv)
        self.linear_image.set_data(lin[0], lin[1])
        self.value_dot.set_data([fp[0]], [fp[1]])
        self.je1.set_data(*_arrow(fp, h * jac[:, 0]))
        self.je2.set_data(*_arrow(fp, h * jac[:, 1]))
        sentence, values = self._reading(p, fp, jac)
        self.sentence.set_text(sentence)
        self.readout.set_text(values)

    _LABELS = ("p", "F(p)", "det J", "log|det J|", "trace J", "eigenvalues", "sing. values",
               "J(p)")

    def _reading(self, p: Array, fp: Array, jac: Array) -> tuple[str, str]:
        """The readout: a sentence, and the values, one per line of :attr:`_LABELS` (static)."""
        ok = bool(np.isfinite(jac).all())
        det = float(jac[0, 0] * jac[1, 1] - jac[0, 1] * jac[1, 0]) if ok else math.nan
        if ok:
            e1, e2 = (complex(z) for z in np.linalg.eigvals(jac))
            sv = np.linalg.svd(jac, compute_uv=False)
        else:
            e1 = e2 = complex(math.nan, 0.0)
            sv = np.array([math.nan, math.nan])
        if not math.isfinite(det):
            sentence = "F or J is undefined here"
        else:
            sentence = f"area near p ×{abs(det):.4g}, orientation " + ("kept" if det > 0 else "flipped")
        if abs(e1.imag) > 1e-12:
            eig = f"{_fmt(e1.real)} ± {_fmt(abs(e1.imag))}i"
        else:
            eig = f"{_fmt(e1.real)}, {_fmt(e2.real)}"
        log_det = _fmt(math.log(abs(det))) if det and math.isfinite(det) else "—"
        return sentence, "\n".join([
            f"({_fmt(p[0])}, {_fmt(p[1])})",
            f"({_fmt(fp[0])}, {_fmt(fp[1])})",
            _fmt(det), log_det, _fmt(jac[0, 0] + jac[1, 1]), eig, f"{_fmt(sv[0])}, {_fmt(sv[1])}",
            f"{_fmt(jac[0, 0]):>9} {_fmt(jac[0, 1]):>9}",
            f"{_fmt(jac[1, 0]):>9} {_fmt(jac[1, 1]):>9}",
        ])

    # -- drawing
    def draw(self) -> None:
        """A full redraw of the figure."""
        self.canvas.draw()

    def start_blitting(self) -> None:
        """Mark the overlay animated, draw everything else once and keep it as background."""
        for artist in self.overlay:
            artist.set_animated(True)
        self.canvas.draw()
        self._background = self.canvas.copy_from_bbox(self.fig.bbox)

    def blit(self) -> None:
        """Restore the background, draw the overlay artists on it, blit."""
        self.canvas.restore_region(self._background)
        for artist in self.overlay:
            self.fig.draw_artist(artist)
        self.canvas.blit(self.fig.bbox)

    def stop_blitting(self) -> None:
        for artist in self.overlay:
            artist.set_animated(False)
        self._background = None

    def save(self, path: str) -> None:
        self.fig.savefig(path, dpi=DPI)


# ---------------------------------------------------------------------------------------
# The operations


def _ms(seconds: float) -> float:
    return seconds * 1000.0


def peak_rss_mb() -> float:
    """This process's peak RSS (``VmHWM``; ``ru_maxrss`` would start at the parent's peak)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024.0, 2)
    except (OSError, ValueError):
        pass
    import resource

    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, 2)


def cursor_path(rect: Rect, count: int) -> list[tuple[float, float]]:
    """The same kind of path as jacviz's benchmark: an ellipse inside the domain."""
    x0, x1, y0, y1 = rect
    cx, cy, rx, ry = (x0 + x1) / 2, (y0 + y1) / 2, 0.33 * (x1 - x0), 0.33 * (y1 - y0)
    return [(cx + rx * math.cos(2 * math.pi * i / count + 0.1),
             cy + ry * math.sin(0.97 * (2 * math.pi * i / count + 0.1) + 0.3)) for i in range(count)]


def run(workload: Workload, *, moves: int, blit_moves: int, pans: int, changes: int,
        fresh_changes: int, save: str | None = None) -> dict:
    """Every baseline operation on one workload; raw samples in milliseconds."""
    import sympy.core.cache

    out: dict = {}
    fig = BaselineFigure(closed_forms(workload), workload.rect, workload.variables)
    fig.draw()
    if save:
        fig.save(save)

    # numpy floor: the hand-written det J on 512×512
    xs = np.linspace(workload.rect[0], workload.rect[1], HEATMAP)
    ys = np.linspace(workload.rect[2], workload.rect[3], HEATMAP)
    floor = []
    for _ in range(20):
        t0 = time.perf_counter()
        with np.errstate(all="ignore"):
            workload.det(xs[None, :], ys[:, None])
        floor.append(_ms(time.perf_counter() - t0))
    out["numpy_det_512"] = floor

    path = cursor_path(workload.rect, moves)
    samples = []
    for x, y in path:
        t0 = time.perf_counter()
        fig.set_cursor(x, y)
        fig.draw()
        samples.append(_ms(time.perf_counter() - t0))
    out["cursor_full"] = samples

    fig.start_blitting()
    samples = []
    for x, y in cursor_path(workload.rect, blit_moves):
        t0 = time.perf_counter()
        fig.set_cursor(x, y)
        fig.blit()
        samples.append(_ms(time.perf_counter() - t0))
    fig.stop_blitting()
    out["cursor_blit"] = samples

    fig.draw()
    samples = []
    direction = 1.0
    for i in range(pans):
        if i and i % 7 == 0:
            direction = -direction
        x0, x1, y0, y1 = fig.rect
        d = 0.01 * (x1 - x0) * direction
        t0 = time.perf_counter()
        fig.set_rect((x0 + d, x1 + d, y0, y1))
        fig.draw()
        samples.append(_ms(time.perf_counter() - t0))
    out["pan_step"] = samples

    fig.set_rect(workload.rect)
    for key, count, clear in (("mapping_change", changes, False),
                              ("mapping_change_cold_cache", fresh_changes, True)):
        samples = []
        for _ in range(count):
            fig.set_mapping(derived(PARTNER))
            fig.draw()
            if clear:
                sympy.core.cache.clear_cache()
            t0 = time.perf_counter()
            fig.set_mapping(derived(workload))
            fig.draw()
            samples.append(_ms(time.perf_counter() - t0))
        out[key] = samples
    out["rss_mb"] = peak_rss_mb()
    return out


def cold(workload: Workload, output: str) -> dict:
    """Cold start: derive J, draw, save the figure. Called first thing in a fresh process."""
    fig = BaselineFigure(derived(workload), workload.rect, workload.variables)
    fig.save(output)
    return {
        "elapsed_ms": round(_ms(time.perf_counter() - T0), 3),
        "rss_mb": peak_rss_mb(),
    }


def versions() -> dict:
    import matplotlib

    return {"matplotlib": matplotlib.__version__, "backend": "agg"}


def main(argv: list[str] | None = None) -> int:
    """``run`` (in-process operations, JSON out) or ``cold`` (one cold start to a saved PNG)."""
    parser = argparse.ArgumentParser(prog="python -m jacviz.bench.mpl_baseline",
                                     description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p_run = sub.add_parser("run", help="time the interactive operations on one workload")
    p_run.add_argument("--workload", required=True, choices=sorted(BY_NAME))
    p_run.add_argument("--moves", type=int, default=200)
    p_run.add_argument("--blit-moves", type=int, default=200)
    p_run.add_argument("--pans", type=int, default=28)
    p_run.add_argument("--changes", type=int, default=14)
    p_run.add_argument("--fresh-changes", type=int, default=7)
    p_run.add_argument("--save", metavar="PNG", help="also save the first figure (to look at it)")
    p_run.add_argument("--json", metavar="PATH", default="-", help="where to write the samples (- is stdout)")
    p_cold = sub.add_parser("cold", help="one cold start: draw and save the figure, print the time")
    p_cold.add_argument("--workload", required=True, choices=sorted(BY_NAME))
    p_cold.add_argument("-o", "--output", required=True)
    args = parser.parse_args(argv)
    workload = BY_NAME[args.workload]
    if args.command == "cold":
        report = cold(workload, args.output)
        sys.stdout.write(MARKER + json.dumps(report) + "\n")
        sys.stdout.flush()
        return 0
    result = run(workload, moves=args.moves, blit_moves=args.blit_moves, pans=args.pans,
                 changes=args.changes, fresh_changes=args.fresh_changes, save=args.save)
    result["versions"] = versions()
    text = json.dumps(result)
    if args.json == "-":
        sys.stdout.write(text + "\n")
    else:
        with open(args.json, "w", encoding="utf-8") as fh:
            fh.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
