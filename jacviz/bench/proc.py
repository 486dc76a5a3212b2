"""Running the cold-start children: wall time, a marker line, and each child's own peak RSS.

Peak RSS is read from ``VmHWM`` in ``/proc/PID/status`` (the high-water mark of the
process's own address space), not from ``getrusage``/``wait4``: on Linux a child's
``ru_maxrss`` starts at its parent's peak (exec carries the old address space's high-water
mark over), so every child of a 300 MB benchmark would report at least 300 MB, and
``RUSAGE_CHILDREN`` adds the maximum over all earlier children on top. A child of ours
reports its own ``VmHWM`` (:func:`peak_rss_mb`); for any other child the parent samples
``VmHWM`` every few milliseconds until it exits (the mark only grows, so the last sample
is the peak unless the process grew in its last milliseconds).
"""

from __future__ import annotations

import json
import os
import selectors
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

MARKER = "JACVIZ-BENCH "  # a child prints MARKER + JSON on one line when it has reached its goal


class ChildError(RuntimeError):
    """A child failed, timed out, or never printed its marker."""


@dataclass
class ChildRun:
    """One finished child: when it reached its goal, when it ended, what it reported."""

    marker_s: float | None  # seconds from Popen to the marker line (None: no marker expected)
    exit_s: float  # seconds from Popen to the child's exit
    max_rss_mb: float  # the child's peak RSS (its own report if it gave one, else sampled VmHWM)
    report: dict = field(default_factory=dict)  # the JSON after the marker
    returncode: int = 0


def child_env() -> dict[str, str]:
    """The environment for a child: headless Qt, unbuffered output, nothing else changed."""
    env = dict(os.environ)
    env["QT_QPA_PLATFORM"] = "offscreen"
    env["PYTHONUNBUFFERED"] = "1"
    return env


def precompile_package() -> int:
    """Write the bytecode of every jacviz module, so that cold starts do not time the compiler.

    An editable install (``pip install -e .``) leaves no ``.pyc`` files, and an environment with
    ``PYTHONDONTWRITEBYTECODE=1`` never writes them, so each cold-started child would compile
    all of jacviz from source (≈0.6 s on a 2-core machine) where an installed wheel would not.
    :mod:`py_compile` writes regardless of that variable, and the children still *read* the
    files it writes. Returns how many modules failed to compile (0 expected).
    """
    import compileall

    package = Path(__file__).resolve().parent.parent
    return 0 if compileall.compile_dir(str(package), quiet=1, workers=1) else 1


def _vm_hwm_kib(status_path: str) -> int | None:
    """``VmHWM`` from a /proc/.../status file, in KiB; None when it cannot be read."""
    try:
        with open(status_path, encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return None


def peak_rss_mb() -> float:
    """This process's peak RSS in MB: ``VmHWM``, or ``getrusage`` where /proc is missing."""
    kib = _vm_hwm_kib("/proc/self/status")
    if kib is None:
        import resource

        kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(kib / 1024.0, 2)


class _HwmSampler:
    """Keeps the last ``VmHWM`` read from a running child."""

    def __init__(self, pid: int) -> None:
        self.path = f"/proc/{pid}/status"
        self.kib = 0

    def sample(self) -> None:
        kib = _vm_hwm_kib(self.path)
        if kib:
            self.kib = max(self.kib, kib)


def _wait(pid: int, deadline: float, hwm: _HwmSampler) -> int:
    """Reap ``pid`` (sampling its peak RSS meanwhile); its exit status. Kills it at ``deadline``."""
    while True:
        hwm.sample()
        done, status = os.waitpid(pid, os.WNOHANG)
        if done == pid:
            return os.waitstatus_to_exitcode(status)
        if time.monotonic() > deadline:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
            raise ChildError(f"child {pid} did not finish in time and was killed")
        time.sleep(0.002)


def run_child(argv: list[str], *, timeout: float = 120.0, expect_marker: bool = False,
              cwd: str | Path | None = None, env: dict[str, str] | None = None) -> ChildRun:
    """Start ``argv``, time it from Popen, optionally wait for its marker line, reap it.

    ``env`` adds to (or overrides) :func:`child_env`, e.g. ``QT_SCALE_FACTOR``.

    The parent does nothing but wait on the child's stdout (a selector, no busy loop), so it
    takes no CPU from the child on a machine with few cores.
    """
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=err, stdin=subprocess.DEVNULL,
                                env={**child_env(), **(env or {})}, cwd=cwd)
        deadline = time.monotonic() + timeout
        hwm = _HwmSampler(proc.pid)
        marker_s: float | None = None
        report: dict = {}
        assert proc.stdout is not None
        if expect_marker:
            marker_s, report = _read_marker(proc, start, deadline)
            hwm.sample()
        try:
            _drain(proc, deadline, hwm)  # so the child never blocks on a full pipe
            code = _wait(proc.pid, deadline, hwm)
            proc.returncode = code  # reaped here, so Popen must not wait for it again
        finally:
            proc.stdout.close()
        exit_s = time.perf_counter() - start
        if code != 0 or (expect_marker and marker_s is None):
            err.seek(0)
            tail = err.read().decode(errors="replace")[-2000:]
            raise ChildError(f"{' '.join(argv[:6])} ... exited with {code}; stderr:\n{tail}")
    rss = float(report["rss_mb"]) if "rss_mb" in report else hwm.kib / 1024.0
    return ChildRun(marker_s, exit_s, rss, report, code)


def _read_marker(proc: subprocess.Popen, start: float, deadline: float) -> tuple[float | None, dict]:
    """Read the child's stdout until the marker line; its time since ``start`` and its JSON."""
    assert proc.stdout is not None
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    buffer = b""
    fd = proc.stdout.fileno()
    try:
        while time.monotonic() < deadline:
            if not sel.select(timeout=max(0.0, deadline - time.monotonic())):
                break
            chunk = os.read(fd, 65536)
            now = time.perf_counter()
            if not chunk:
                return None, {}
            buffer += chunk
            while b"\n" in buffer:
                line, buffer = buffer.split(b"\n", 1)
                text = line.decode(errors="replace")
                if text.startswith(MARKER):
                    return now - start, json.loads(text[len(MARKER):])
        return None, {}
    finally:
        sel.close()


def _drain(proc: subprocess.Popen, deadline: float, hwm: _HwmSampler) -> None:
    """Read and drop the child's remaining stdout until it closes it, or until ``deadline``."""
    assert proc.stdout is not None
    fd = proc.stdout.fileno()
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    try:
        while time.monotonic() < deadline:
            hwm.sample()
            if sel.select(timeout=0.002) and not os.read(fd, 65536):
                return
    finally:
        sel.close()


def python() -> str:
    """The interpreter running the benchmark (the project's virtualenv)."""
    return sys.executable
