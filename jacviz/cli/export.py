"""``jacviz export``: render the window's figure to a file, with no display and no window shown.

::

    jacviz export MAPPING -o FILE [--size WxH] [--at X,Y] [--range X0,X1,Y0,Y1]
                  [--vars A,B] [--param NAME=VALUE ...] [--view both|domain|codomain]
                  [--mode det|log|sign|linerr] [--h H]
    jacviz export MAPPING --morph FILE.gif [same options]   the identity morphing into F

Qt is told to use its offscreen platform before it is imported, so this works over ssh, in
CI and in a cron job. Errors go through the same one-line path as every command (exit 2).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from jacviz.cli import arguments
from jacviz.core.errors import ExportError, UsageError

NAME = "export"
SUMMARY = "render the figure to a PNG, JPEG or SVG file (no display needed)"
WAIT_MS = 120_000
FORMULA_WAIT_S = 3.0
MAX_H = 1e6


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(NAME, help=SUMMARY,
                              description="Render the figure for MAPPING to an image file.")
    p.add_argument("mapping", help="the mapping, e.g. 'z^2'")
    p.add_argument("-o", "--output", metavar="FILE", help="a .png, .jpg or .svg file")
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
    p.add_argument("--mode", default="det", choices=("det", "log", "sign", "linerr"), help="heatmap mode")
    p.add_argument("--h", metavar="H", help="radius of the neighbourhood circle")
    return p


def run(args: argparse.Namespace) -> int:
    if args.output is None and args.morph is None:
        raise UsageError("say where to write: -o FILE (an image) or --morph FILE.gif (an animation)")
    output = Path(args.output) if args.output else None
    if output is not None and output.suffix.lower() not in (".png", ".jpg", ".jpeg", ".svg"):
        raise UsageError(
            f"cannot export to '{arguments.printable(output.name)}': use a .png, .jpg or .svg file name"
        )
    morph = Path(args.morph) if args.morph else None
    if morph is not None and morph.suffix.lower() != ".gif":
        raise UsageError(f"the animation '{arguments.printable(morph.name)}' must be a .gif file")
    frames = arguments.number(args.frames, "--frames", "31")
    if not (frames == int(frames) and 2 <= frames <= 300):
        raise UsageError("--frames must be a whole number between 2 and 300")
    for target in (output, morph):
        if target is not None and not target.parent.exists():
            raise ExportError(f"the folder '{arguments.printable(str(target.parent))}' does not exist")
    params = arguments.params(args.param)
    variables = arguments.variables(args.vars)
    from jacviz.core.language import parameter_values, parse

    # Checked before Qt starts: a bad mapping or parameter costs milliseconds, not a window.
    parsed = parse(args.mapping, variables)
    parameter_values(parsed.parameters, params)
    at = arguments.point(args.at, "--at") if args.at else None
    rect = arguments.rect(args.range, "--range", "-2,2,-1,1") if args.range else None
    from jacviz.ui.export import parse_size

    size = parse_size(args.size) if args.size else None
    h = arguments.positive(arguments.number(args.h, "--h", "0.1"), "--h", upper=MAX_H) if args.h else None

    os.environ["QT_QPA_PLATFORM"] = "offscreen"  # no display is needed, or used
    return _render(args.mapping, output, size=size, at=at, rect=rect, variables=variables,
                   params=params, view=args.view, mode=args.mode, h=h, morph=morph,
                   frames=int(frames))


def _render(mapping: str, output: Path | None, *, size, at, rect, variables, params, view, mode, h,
            morph: Path | None = None, frames: int = 31) -> int:
    from PySide6.QtCore import QEventLoop, QTimer

    from jacviz.ui.app import make_application

    app = make_application()
    from jacviz.ui.export import export
    from jacviz.ui.main_window import MainWindow

    outcome: dict[str, str] = {}
    loop = QEventLoop()

    def done(key: str):
        def slot(message: str = "") -> None:
            outcome.setdefault(key, message)
            loop.quit()
        return slot

    window = MainWindow(mapping, variables=variables, params=params, rect=rect, restore=False)
    window.mappingApplied.connect(done("applied"))
    window.mappingFailed.connect(done("failed"))
    QTimer.singleShot(WAIT_MS, done("timeout"))
    window.show()
    if not outcome:
        loop.exec()  # safe: Qt's event loop
    if "failed" in outcome:
        raise ExportError(outcome["failed"])
    if "applied" not in outcome:
        raise ExportError("timed out while drawing the mapping")
    window.set_mode(mode)
    if h is not None:
        window.set_h(h)
    window.wait_until_drawn()
    # A figure deserves the simplified formulas; they are cached for the next export.
    deadline = time.monotonic() + FORMULA_WAIT_S
    while time.monotonic() < deadline and window.formulas_pending:
        app.processEvents()
        time.sleep(0.005)
    app.processEvents()
    if at is not None:
        window.move_cursor(*at)
    app.processEvents()
    if output is not None:
        export(window, output, view=view, size=size)
        sys.stdout.write(f"{output}\n")
    if morph is not None:
        write_morph_gif(window, morph, view=view, size=size, frames=frames, at=at)
        sys.stdout.write(f"{morph}\n")
    window.close()
    return 0


FRAME_MS = 80
HOLD_MS = 1200


def write_morph_gif(window, path: Path, *, view: str = "both", size=None, frames: int = 31, at=None) -> None:
    """Render the morph from the identity (t = 0) to F (t = 1) and save it as a looping GIF.

    Driven through the model, as a user would: t is the model's ``morph_t``, the right view
    is held still by giving it a range of its own.
    """
    import numpy as np
    from PIL import Image
    from PySide6.QtGui import QImage

    from jacviz.ui.export import render_image

    model = window.model
    # One fixed frame for the right view, holding both ends of the morph, so the picture
    # moves and the axes do not.
    if model.codomain_follows and window.scene is not None:
        (u0, v0), (u1, v1) = window.scene.image_limits
        x0, x1, y0, y1 = window.domain.visible_rect()
        pad = 0.02 * max(max(u1, x1) - min(u0, x0), max(v1, y1) - min(v0, y0))
        frame = (min(u0, x0) - pad, max(u1, x1) + pad, min(v0, y0) - pad, max(v1, y1) + pad)
        model.update(codomain_follows=False, codomain_range=frame)
    images = []
    for t in np.linspace(0.0, 1.0, frames):
        model.set_morph_t(float(t))
        window.wait_until_drawn()
        if at is not None:
            window.move_cursor(*at)
        qimage = render_image(window, view, size).convertToFormat(QImage.Format.Format_RGB888)
        w, h, stride = qimage.width(), qimage.height(), qimage.bytesPerLine()
        data = bytes(qimage.constBits())[: stride * h]
        frame = Image.frombuffer("RGB", (w, h), data, "raw", "RGB", stride, 1)
        images.append(frame.quantize(colors=255, method=Image.Quantize.MEDIANCUT))
    durations = [FRAME_MS] * (len(images) - 1) + [HOLD_MS]
    images[0].save(path, save_all=True, append_images=images[1:], duration=durations, loop=0,
                   optimize=False, disposal=1)
