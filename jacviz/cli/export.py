"""``jacviz export``: the figure for a mapping as PNG, JPEG, SVG or PDF, or the morph as a GIF.

::

    jacviz export MAPPING -o FILE [--size WxH] [--at X,Y] [--range X0,X1,Y0,Y1]
                  [--vars A,B] [--param NAME=VALUE ...] [--view both|domain|codomain]
                  [--mode det|log|sign|linerr|basins] [--vector-field] [--trajectory X,Y ...]
                  [--h H] [--transparent] [--dpi N]
                  [--theme light|dark] [--no-readout] [--font-scale F] [--colormap vik|coolwarm]
    jacviz export MAPPING --morph FILE.gif [same options]   the identity morphing into F
    jacviz export MODEL.onnx -o FILE [same options]         a trained network (no --vars, --param)

No window is made: the figure is drawn from data (:mod:`jacviz.core.figure`), with the same
layout, colours and numbers the window shows, so this works with no display, over ssh, in
CI. The mapping goes through the same pipeline as everywhere (sympy in a killable worker).
Every check runs before anything is drawn, including the memory an image needs; files are
written to a temporary file in the same folder, checked and renamed. Errors go through the
one-line path of every command (exit 2).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from jacviz.cli import arguments
from jacviz.core.errors import ExportError, UsageError

NAME = "export"
SUMMARY = "the figure as a PNG, JPEG, SVG or PDF file, or the morph as a GIF (no display needed)"
FORMULA_WAIT_S = 3.0
MAX_H = 1e6
MAX_TRAJECTORIES = 20  # as many as the window's vector field tool keeps
FRAME_MS = 80
HOLD_MS = 1200
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".svg", ".pdf")


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(NAME, help=SUMMARY, description="Render the figure for MAPPING to a file.")
    p.add_argument("mapping", help="the mapping, e.g. 'z^2', or a model.onnx file")
    p.add_argument("-o", "--output", metavar="FILE", help="a .png, .jpg, .svg or .pdf file")
    p.add_argument("--morph", metavar="FILE.gif",
                   help="write an animation of p + t·(F(p) − p) for t from 0 to 1 as a GIF")
    p.add_argument("--frames", default="31", metavar="N", help="frames in the animation (default 31)")
    p.add_argument("--size", metavar="WxH", help="image size in pixels, e.g. 3840x2160")
    p.add_argument("--at", metavar="X,Y", help="where the cursor (and its neighbourhood) is")
    p.add_argument("--range", metavar="X0,X1,Y0,Y1", help="the domain to show")
    p.add_argument("--vars", metavar="A,B", help="names of the two variables")
    p.add_argument("--param", action="append", metavar="NAME=VALUE", help="set a parameter")
    p.add_argument("--view", default="both", choices=("both", "domain", "codomain"),
                   help="the whole figure (default) or one view")
    p.add_argument("--mode", default="auto",
                   choices=("auto", "det", "log", "sign", "linerr", "basins", "classes", "output"),
                   help="heatmap mode (auto: the scale that shows det J best; det: linear; basins: where "
                        "Newton's method for F = 0 goes from each point; classes, output: a network's "
                        "decision regions or its first output)")
    p.add_argument("--vector-field", action="store_true",
                   help="draw F as the vector field of (x', y') = F(x, y): arrows, streamlines, equilibria "
                        "(on by default for the vector field presets)")
    p.add_argument("--trajectory", action="append", metavar="X,Y",
                   help=f"a trajectory of (x', y') = F(x, y) through X,Y (up to {MAX_TRAJECTORIES})")
    p.add_argument("--h", metavar="H", help="radius of the neighbourhood circle")
    p.add_argument("--transparent", action="store_true", help="nothing behind the plots (for slides)")
    p.add_argument("--dpi", metavar="N", help="physical size: pixels per inch written into the file")
    p.add_argument("--theme", default="light", choices=("light", "dark"), help="the figure's palette")
    p.add_argument("--no-readout", action="store_true", help="the figure without the panel of numbers")
    p.add_argument("--font-scale", default="1", metavar="F", help="bigger (or smaller) labels, e.g. 1.5")
    p.add_argument("--colormap", default="vik", choices=("vik", "coolwarm"),
                   help="the det J colour map (vik: colour-blind safe; coolwarm: the classic red/blue)")
    return p


def run(args: argparse.Namespace) -> int:
    from jacviz.core.figure import FigureOptions
    from jacviz.core.language import parameter_values, parse

    if args.output is None and args.morph is None:
        raise UsageError("say where to write: -o FILE (an image) or --morph FILE.gif (an animation)")
    output = Path(args.output) if args.output else None
    if output is not None and output.suffix.lower() not in IMAGE_SUFFIXES:
        name = arguments.printable(output.name)
        raise UsageError(f"cannot export to '{name}': use a .png, .jpg, .svg or .pdf file name")
    morph = Path(args.morph) if args.morph else None
    if morph is not None and morph.suffix.lower() != ".gif":
        raise UsageError(f"the animation '{arguments.printable(morph.name)}' must be a .gif file")
    frames = arguments.number(args.frames, "--frames", "31")
    if not (frames == int(frames) and 2 <= frames <= 300):
        raise UsageError("--frames must be a whole number between 2 and 300")
    frames = int(frames)
    for target in (output, morph):
        if target is not None and not target.parent.exists():
            raise ExportError(f"the folder '{arguments.printable(str(target.parent))}' does not exist")
    params = arguments.params(args.param)
    variables = arguments.variables(args.vars)
    from jacviz.core.pipeline.network import is_model_path

    model = is_model_path(args.mapping)
    if model and (args.vars or params):
        raise UsageError("--vars and --param do not apply to a model: its inputs are x, y and it has no "
                         "parameters")
    if not model:
        # Checked before anything is computed: a bad mapping or parameter costs milliseconds.
        parsed = parse(args.mapping, variables)
        parameter_values(parsed.parameters, params)
        if not parsed.shape.is_planar:
            if args.vector_field or args.trajectory:
                raise UsageError(f"--vector-field and --trajectory need a map of the plane; this is a "
                                 f"{parsed.shape.kind}")
            return _export_shape(args, parsed, variables, params, output, morph)
    elif args.vector_field or args.trajectory:
        raise UsageError("--vector-field and --trajectory read F as a vector field of the plane; "
                         "a model is not one")
    starts = tuple(arguments.point(t, "--trajectory") for t in args.trajectory or ())
    if len(starts) > MAX_TRAJECTORIES:
        raise UsageError(f"at most {MAX_TRAJECTORIES} trajectories (--trajectory given {len(starts)} times)")
    at = arguments.point(args.at, "--at") if args.at else None
    rect = arguments.rect(args.range, "--range", "-2,2,-1,1") if args.range else None
    from jacviz.ui.export import check_size, parse_size

    size = parse_size(args.size) if args.size else None
    h = arguments.positive(arguments.number(args.h, "--h", "0.1"), "--h", upper=MAX_H) if args.h else None
    dpi = arguments.number(args.dpi, "--dpi", "300") if args.dpi else None
    options = FigureOptions(transparent=args.transparent, dpi=dpi, theme=args.theme,
                            readout=not args.no_readout,
                            font_scale=arguments.number(args.font_scale, "--font-scale", "1.5"),
                            colormap=args.colormap)
    if morph is not None and size is not None:
        check_size(*size, frames=frames)
    if output is not None and size is not None:
        from jacviz.core.figure import format_for

        check_size(*size, fmt=format_for(output))  # memory, before anything is drawn

    figure = _Figure(args.mapping, variables, params, rect, at, h, args.mode, options,
                     vector_field=args.vector_field, trajectories=starts)
    from jacviz.ui.figure_painter import ensure_application, export_figure

    ensure_application()  # text needs Qt's fonts; offscreen when there is no display
    if output is not None:
        export_figure(figure.spec(), output, view=args.view, size=size)
        sys.stdout.write(f"{output}\n")
    if morph is not None:
        figure.write_morph_gif(morph, view=args.view, size=size, frames=frames)
        sys.stdout.write(f"{morph}\n")
    return 0


def _export_shape(args, parsed, variables, params, output, morph) -> int:
    """A scalar field, curve, surface or map of space: the shapes pane's image (jacviz.ui.shapes.export)."""
    if morph is not None:
        raise UsageError(f"--morph animates a map of the plane; this is a {parsed.shape.kind}")
    from jacviz.core.language import choose_parameter_values
    from jacviz.core.persistence.presets import load_presets
    from jacviz.core.pipeline.prepare import prepare
    from jacviz.ui.export import parse_size

    n = parsed.shape.n_inputs
    at = arguments.vector(args.at, "--at", n, {1: "0.5", 2: "1.5,-2", 3: "1,0,0"}[n]) if args.at else None
    rect = arguments.rect(args.range, "--range", "-2,2,-1,1") if args.range else None
    size = parse_size(args.size) if args.size else None
    preset = next((p for p in load_presets() if p.mapping == args.mapping), None)
    prepared = prepare(args.mapping, variables)
    starting = {name: spec.value for name, spec in (preset.params if preset else {}).items()}
    values = choose_parameter_values(prepared.parameters, given=params, starting=starting)
    from jacviz.ui.figure_painter import ensure_application
    from jacviz.ui.shapes.export import export_shape

    ensure_application()
    export_shape(prepared, values, output, rect=rect or (preset.domain if preset else None), at=at,
                 view=args.view, size=size, third=preset.third if preset else None)
    sys.stdout.write(f"{output}\n")
    return 0


class _Figure:
    """The mapping prepared once, its domain, cursor and formulas, and the specs drawn from them."""

    def __init__(self, text, variables, params, rect, at, h, mode, options, *, vector_field=False,
                 trajectories=()) -> None:
        from jacviz.core.language import choose_parameter_values
        from jacviz.core.persistence.presets import load_presets
        from jacviz.core.pipeline.network import is_model_path
        from jacviz.core.pipeline.prepare import prepare

        preset = next((p for p in load_presets() if p.mapping == text), None)
        domain = preset.domain if preset else (-2.0, 2.0, -2.0, 2.0)
        if is_model_path(text):
            from jacviz.core.pipeline.network import default_mode, model_domain, prepare_network

            self.prepared = prepare_network(text)  # ModelError (exit 2, one line) for a bad file
            domain = model_domain(self.prepared)
            mode = default_mode(self.prepared, mode)
        else:
            self.prepared = prepare(text, variables)  # sympy in a killable worker process
        starting = {name: spec.value for name, spec in (preset.params if preset else {}).items()}
        self.params = choose_parameter_values(self.prepared.parameters, given=params, starting=starting)
        self.rect = rect or domain
        x0, x1, y0, y1 = self.rect
        # the window's own first cursor and neighbourhood for a new domain
        self.at = at if at is not None else (x0 + (x1 - x0) * 0.637, y0 + (y1 - y0) * 0.593)
        self.h = h if h is not None else 0.035 * max(x1 - x0, y1 - y0)
        self.mode = mode
        self.options = options
        self.formulas = self._formulas(text, variables)
        # F as a vector field when asked for, or for a phase-plane preset (as the window does)
        self.vector_field = vector_field or (preset is not None and preset.view == "vector field")
        self.trajectories = tuple(trajectories)

    def _formulas(self, text, variables):
        """A figure deserves the simplified formulas (best effort, cached for the next export)."""
        from jacviz.core.figure.build import formula_lines
        from jacviz.core.language.names import image_names

        lines = getattr(self.prepared, "lines", None)
        if callable(lines):
            return lines()  # a network: its name and layers
        forms = dict(self.prepared.simplified)
        if not forms:
            from jacviz.core.pipeline import cache
            from jacviz.core.pipeline.formulas import simplify_for_display

            forms = simplify_for_display(text, variables, timeout=FORMULA_WAIT_S)
            if forms:
                cache.store_simplified(text, forms, variables, None)
        return formula_lines(self.prepared.formulas, image_names(self.prepared.variables), forms)

    def spec(self, numeric=None, codomain_rect=None):
        from jacviz.core.figure.build import figure_spec

        if numeric is None:
            return figure_spec(self.prepared.text, params=self.params, rect=self.rect, at=self.at, h=self.h,
                               mode=self.mode, options=self.options, prepared=self.prepared,
                               formulas=self.formulas, codomain_rect=codomain_rect,
                               vector_field=self.vector_field, trajectories=self.trajectories)
        from dataclasses import replace

        morphed = replace(self.prepared, compiled=numeric)
        return figure_spec(self.prepared.text, params=self.params, rect=self.rect, at=self.at, h=self.h,
                           mode=self.mode, options=self.options, prepared=morphed,
                           formulas=self.formulas, codomain_rect=codomain_rect)

    def write_morph_gif(self, path: Path, *, view: str, size, frames: int) -> None:
        """The morph from the identity (t = 0) to F (t = 1) as a looping GIF, the right view held still."""
        import numpy as np
        from PIL import Image

        from jacviz.core.figure.files import write_atomically
        from jacviz.core.numeric.morph import MorphedMapping
        from jacviz.ui.figure_painter import render_qimage

        if self.prepared.compiled.n_outputs != 2:
            raise UsageError("the morph needs a mapping of the plane; this model has "
                             f"{self.prepared.compiled.n_outputs} outputs")
        end = self.spec()
        u0, u1, v0, v1 = end.codomain_rect
        x0, x1, y0, y1 = self.rect
        frame_rect = (min(u0, x0), max(u1, x1), min(v0, y0), max(v1, y1))
        images = []
        for t in np.linspace(0.0, 1.0, frames):
            spec = self.spec(MorphedMapping(self.prepared.compiled, float(t)), codomain_rect=frame_rect)
            qimage = render_qimage(spec, view=view, size=size)
            from PySide6.QtGui import QImage

            qimage = qimage.convertToFormat(QImage.Format.Format_RGB888)
            w, h, stride = qimage.width(), qimage.height(), qimage.bytesPerLine()
            data = bytes(qimage.constBits())[: stride * h]
            frame = Image.frombuffer("RGB", (w, h), data, "raw", "RGB", stride, 1)
            images.append(frame.quantize(colors=255, method=Image.Quantize.MEDIANCUT))
        durations = [FRAME_MS] * (len(images) - 1) + [HOLD_MS]

        def write(tmp: Path) -> None:
            images[0].save(tmp, format="GIF", save_all=True, append_images=images[1:], duration=durations,
                           loop=0, optimize=False, disposal=1)

        write_atomically(path, "gif", write)
