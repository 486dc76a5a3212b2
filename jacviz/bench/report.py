"""The benchmark's tables: plain text for a terminal, or Markdown for a README."""

from __future__ import annotations

from collections.abc import Sequence

JACVIZ_ROWS = (
    ("cold_start_window", "cold start → painted window"),
    ("cold_start_export", "jacviz export (cold)"),
    ("mapping_change", "mapping change (Enter → painted)"),
    ("mapping_change_cold_cache", "  same, sympy cache cleared"),
    ("mapping_change_stall", "  longest GUI stall meanwhile"),
    ("cursor_move", "cursor move (event → Qt has painted it)"),
    ("pan_step", "pan step 1 % (→ resampled, painted)"),
    ("pan_stall", "  longest GUI stall meanwhile"),
    ("export_4k", "export 3840×2160 PNG"),
)
DETAIL_ROWS = (
    ("cold_start_window_own_clock", "cold start, child's own clock"),
    ("mapping_change_compile", "mapping change: prepare() (worker)"),
    ("mapping_change_sample", "mapping change: sample_scene() (worker)"),
    ("mapping_change_repaint", "mapping change: final repaint"),
    ("cursor_move_forced", "cursor move, every widget repainted in full"),
    ("cursor_move_handler", "  of which: event + readout + overlay"),
    ("cursor_move_paint", "  of which: the full repaints"),
    ("pan_resample", "pan step: sample_scene() (worker)"),
    ("simplify_busy_after_change", "simplifier busy after a change"),
)
BASELINE_ROWS = (
    ("cold_start_figure", "cold start → saved figure"),
    ("mapping_change", "mapping change (sympy diff, draw)"),
    ("mapping_change_cold_cache", "  same, sympy cache cleared"),
    ("cursor_move_full_redraw", "cursor move, full redraw"),
    ("cursor_move_blit", "cursor move, blitting"),
    ("pan_step", "pan step 1 % (resample, redraw)"),
    ("numpy_det_512", "numpy det J 512² (closed form)"),
)
RATIO_ROWS = (
    ("cursor_move_vs_full_redraw", "cursor move vs full redraw"),
    ("cursor_move_vs_blit", "cursor move vs blitting"),
    ("pan_step", "pan step"),
    ("mapping_change", "mapping change"),
    ("mapping_change_cold_cache", "mapping change, sympy cache cleared"),
    ("cold_start_export_vs_figure", "cold: jacviz export vs mpl figure"),
    ("cold_start_window_vs_figure", "cold: jacviz window vs mpl figure"),
    ("peak_memory_cold_figure_vs_export", "peak memory: mpl cold vs export"),
)
MEMORY_ROWS = (
    ("jacviz_window_cold", "jacviz window, cold start"),
    ("jacviz_export_cold", "jacviz export"),
    ("matplotlib_cold", "matplotlib cold start"),
    ("matplotlib_interactive", "matplotlib interactive run"),
)


def fmt(value: float | None) -> str:
    """A time or size with about three significant digits."""
    if value is None:
        return "—"
    if value >= 100:
        return f"{value:.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def cell(stats: dict | None, unit: str = "ms") -> str:
    """``median / p90`` of a summary."""
    if not stats:
        return "—"
    return f"{fmt(stats.get(f'median_{unit}'))} / {fmt(stats.get(f'p90_{unit}'))}"


class Table:
    """Rows of cells, rendered as aligned text or as Markdown."""

    def __init__(self, title: str, header: Sequence[str]) -> None:
        self.title = title
        self.header = list(header)
        self.rows: list[list[str]] = []

    def add(self, *cells: str) -> None:
        self.rows.append(list(cells))

    def render(self, markdown: bool) -> str:
        if not self.rows:
            return ""
        if markdown:
            lines = [f"**{self.title}**", "", "| " + " | ".join(self.header) + " |",
                     "|" + "|".join(["---"] + ["---:"] * (len(self.header) - 1)) + "|"]
            for row in self.rows:
                cells = [c.replace("|", "\\|") for c in row]
                if cells[0].startswith("  "):  # Markdown drops leading spaces: show the nesting
                    cells[0] = "↳ " + cells[0].strip()
                lines.append("| " + " | ".join(cells) + " |")
            return "\n".join(lines)
        widths = [max(len(r[i]) for r in [self.header, *self.rows]) for i in range(len(self.header))]
        def line(row: list[str]) -> str:
            first = row[0].ljust(widths[0])
            rest = [c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)]
            return "  ".join([first, *rest]).rstrip()
        rule = "-" * len(line(self.header))
        return "\n".join([self.title, rule, line(self.header), rule] + [line(r) for r in self.rows])


def _ops_table(title: str, rows: Sequence[tuple[str, str]], data: dict, names: list[str],
               unit: str = "ms") -> Table:
    table = Table(title, ["", *names])
    for key, label in rows:
        cells = [cell(data.get(n, {}).get(key), unit) for n in names]
        if any(c != "—" for c in cells):
            table.add(label, *cells)
    return table


def render(result: dict, markdown: bool = False) -> str:
    """Every table of a benchmark result."""
    m = result["machine"]
    names = list(result["workloads"])
    settings = result["settings"]
    q = settings["quality"]
    head = (f"jacviz benchmark ({result['mode']}) · {m['cpu_count']} CPUs ({m['cpu_model']}) · "
            f"Python {m['python']} · numpy {m['numpy']} · PySide6 {m['PySide6']} · "
            f"pyqtgraph {m['pyqtgraph']} · matplotlib {m['matplotlib']} · jacviz {m['jacviz']} ({m['git']})")
    sub = (f"window {settings['window'][0]}×{settings['window'][1]}, offscreen; heatmap {q['heatmap']}², "
           f"{q['lines']} grid lines × {q['samples']} samples; cells are median / p90 in ms; "
           f"load average {m['loadavg_start']} → {m.get('loadavg_end', '?')}; "
           f"took {result.get('seconds', 0):.0f} s")
    parts = [head, sub, ""]
    if markdown:
        parts = [f"_{head}_", "", f"_{sub}_", ""]
    workloads = result["workloads"].items()
    if markdown:
        parts.append("\n".join(f"- `{n}`: `{w['text']}` on {w['domain']}" for n, w in workloads))
    else:
        lines = [f"  {n}: {w['text']}  on {w['domain']}" for n, w in workloads]
        parts.append("\n".join(["Workloads:", *lines]))
    tables = [
        _ops_table("jacviz", JACVIZ_ROWS, result["jacviz"], names),
        _ops_table("jacviz, where the time goes", DETAIL_ROWS, result.get("jacviz_detail", {}), names),
    ]
    base = result.get("baseline", {})
    if base.get("ran"):
        tables.append(_ops_table("matplotlib baseline (Agg, jacviz.bench.mpl_baseline)", BASELINE_ROWS,
                                 base["workloads"], names))
        ratio_table = Table("matplotlib / jacviz, medians (above 1: jacviz is faster)", ["", *names])
        for key, label in RATIO_ROWS:
            cells = [f"{result['ratios'].get(n, {}).get(key):.2f}×" if key in result["ratios"].get(n, {})
                     else "—" for n in names]
            if any(c != "—" for c in cells):
                ratio_table.add(label, *cells)
        tables.append(ratio_table)
    mem = result["memory"]
    mem_table = Table("Peak memory, MB (median / p90)", ["", *names])
    for key, label in MEMORY_ROWS:
        if key in mem:
            mem_table.add(label, *[cell(mem[key].get(n), "mb") for n in names])
    tables.append(mem_table)
    scaling = result.get("scaling", {})
    if scaling:
        sizes = result["settings"]["scaling_sizes"]
        sc_table = Table("Heatmap resampling: det_field median ms (ms per million samples) [numpy floor ms]",
                         ["", *[f"{n}²" for n in sizes], "slope"])
        for n in names:
            s = scaling[n]["sizes"]
            sc_table.add(n, *[f"{fmt(s[str(k)]['median_ms'])} ({fmt(s[str(k)]['ms_per_msample'])}) "
                              f"[{fmt(s[str(k)]['numpy_floor_ms'])}]" for k in sizes],
                         f"{scaling[n]['loglog_slope_from_512']:.2f}")
        tables.append(sc_table)
    tg_table = Table("Targets", ["target", "workload", "measured", "limit", "result"])
    for t in result["targets"]:
        unit = f" {t['unit']}" if t["unit"] else ""
        verdict = "pass" if t["passed"] else "MISS"
        tg_table.add(t["target"], t["workload"], f"{fmt(t['measured'])}{unit}", f"{fmt(t['limit'])}{unit}",
                     f"{verdict} ({t['factor']:.2f}× limit)")
    tables.append(tg_table)
    passed = sum(1 for t in result["targets"] if t["passed"])
    for table in tables:
        text = table.render(markdown)
        if text:
            parts += ["", text]
    parts += ["", f"{passed} of {len(result['targets'])} targets pass."]
    for name, message in result.get("errors", {}).items():
        parts.append(f"FAILED {name}: {message}")
    return "\n".join(parts)
