"""The cold-start child: start jacviz's window with a mapping, report once it is painted.

Run by the benchmark as ``python -m jacviz.bench.coldstart MAPPING --range X0,X1,Y0,Y1``
in a fresh process (offscreen Qt). It does what the ``jacviz MAPPING`` command does —
create the application as the app does, build a :class:`MainWindow` with the mapping, show
it — and when ``mappingApplied`` fires it forces a synchronous ``window.repaint()`` and
prints one line, :data:`jacviz.bench.proc.MARKER` followed by JSON: its own elapsed time,
the time at which each start-up phase ended, and its peak RSS so far
(``VmHWM``). Then it closes.

Nothing heavy is imported before :data:`T0` is taken, so the phases add up to the time
from the first line of Python that jacviz runs to the painted window; the parent measures
the full wall time from ``Popen``, which also counts the interpreter's own start.
"""

from __future__ import annotations

import time

T0 = time.perf_counter()

import json  # noqa: E402 - after T0 on purpose: everything after it is timed
import sys  # noqa: E402

from jacviz.bench.proc import MARKER, peak_rss_mb  # noqa: E402

TIMEOUT_MS = 120_000


def _ms() -> float:
    return round((time.perf_counter() - T0) * 1000.0, 3)




def main(argv: list[str] | None = None) -> int:
    """Start the window for ``argv[0]`` (optionally ``--range X0,X1,Y0,Y1``); 0 once painted."""
    args = list(sys.argv[1:] if argv is None else argv)
    rect = None
    if "--range" in args:
        i = args.index("--range")
        x0, x1, y0, y1 = (float(v) for v in args[i + 1].split(","))
        rect = (x0, x1, y0, y1)
        del args[i:i + 2]
    mapping = args[0]
    phases: dict[str, float] = {}

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication  # noqa: F401 - timed as its own phase

    phases["import_qt"] = _ms()
    from jacviz.ui.app import make_application
    from jacviz.ui.main_window import MainWindow

    phases["import_jacviz_ui"] = _ms()
    app = make_application()
    phases["application"] = _ms()
    window = MainWindow(mapping, rect=rect)
    phases["window_built"] = _ms()
    outcome: dict[str, object] = {}

    def painted(_text: str) -> None:
        if outcome:
            return
        phases["mapping_applied"] = _ms()
        window.repaint()
        phases["painted"] = _ms()
        outcome["ok"] = True
        report = {
            "elapsed_ms": phases["painted"],
            "phases_ms": phases,
            "rss_mb": peak_rss_mb(),
            "size": [window.width(), window.height()],
            "title": window.windowTitle(),
        }
        sys.stdout.write(MARKER + json.dumps(report) + "\n")
        sys.stdout.flush()
        QTimer.singleShot(0, window.close)
        QTimer.singleShot(0, app.quit)

    def failed(message: str) -> None:
        outcome["error"] = message
        app.quit()

    window.mappingApplied.connect(painted)
    window.mappingFailed.connect(failed)
    QTimer.singleShot(TIMEOUT_MS, lambda: failed("timed out"))
    window.show()
    phases["shown"] = _ms()
    app.exec()  # safe: Qt's event loop
    if "ok" not in outcome:
        sys.stderr.write(f"jacviz.bench.coldstart: {outcome.get('error', 'no window')}\n")
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
