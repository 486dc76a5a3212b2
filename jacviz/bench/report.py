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
INTERACTION_ROWS = (  # (key, label, unit)
    ("zoom_step", "wheel zoom 10 % (wheel → resampled, painted)", "ms"),
    ("zoom_first_paint", "  wheel → first paint (the old scene, zoomed)", "ms"),
    ("zoom_stall", "  longest GUI stall meanwhile", "ms"),
    ("zoom_roll", "wheel roll, 40 notches/s (notch → painted)", "ms"),
    ("zoom_roll_stall", "  longest GUI stall per roll", "ms"),
    ("morph_play_frame", "morph ▶ (t step → painted)", "ms"),
    ("morph_play_fps", "  frames painted per second", "fps"),
    ("morph_play_stall", "  longest GUI stall per play", "ms"),
    ("morph_60_step", "morph stepped at 60 Hz (step → painted)", "ms"),
    ("morph_60_fps", "  frames painted per second", "fps"),
    ("morph_60_stall", "  longest GUI stall per run", "ms"),
    ("linerr_switch", "linearization-error mode on (→ painted)", "ms"),
    ("linerr_cursor", "cursor move in that mode", "ms"),
    ("inflight_change", "mapping change after pans + moves (Enter → painted)", "ms"),
    ("inflight_stall", "  longest GUI stall, Enter → painted", "ms"),
    ("inflight_burst_stall", "  longest GUI stall, pans + moves + change", "ms"),
)
SLIDER_ROWS = (
    ("slider_step", "slider drag, 60 Hz (step → painted heatmap)", "ms"),
    ("slider_step_stall", "  longest GUI stall after each step", "ms"),
    ("slider_stall", "  longest GUI stall per drag", "ms"),
    ("slider_fps", "  frames painted per second", "fps"),
)
DISPLAY_ROWS = (
    ("cursor_move", "cursor move (event → Qt has painted it)"),
    ("cursor_move_forced", "cursor move, every widget repainted in full"),
    ("cursor_move_handler", "  of which: event + readout + overlay (floor: no paint)"),
    ("cursor_move_paint", "  of which: the full repaints"),
    ("paint_domain_unchanged", "floor: repaint of the unchanged domain view"),
    ("grab_domain", "floor: QWidget.grab() of the domain view"),
    ("pan_step", "pan step 1 % (→ resampled, painted)"),
    ("pan_stall", "  longest GUI stall meanwhile"),
)
FLOOR_ROWS = (
    ("sample_scene", "sample_scene, with the margin (worker, numpy)"),
    ("scene_paths", "scene_paths (worker, QPainterPaths)"),
    ("show_scene", "show_scene of both views (GUI thread)"),
    ("first_paint", "first paint of the new scene (Qt)"),
    ("repaint_unchanged", "repaint of the unchanged scene (Qt)"),
    ("grab_domain", "QWidget.grab() of the domain view"),
    ("worker_total", "= worker total"),
    ("gui_total", "= GUI thread total"),
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


_OPS = {"slider_step": "slider step", "zoom_step": "wheel zoom step", "zoom_roll": "wheel roll notch",
        "morph_play_frame": "morph ▶ frame", "morph_60_step": "morph 60 Hz step",
        "linerr_switch": "linerr mode on", "linerr_cursor": "cursor move, linerr mode",
        "inflight_change": "mapping change in flight", "display_cursor_1280": "cursor 1280×720 @1",
        "display_cursor_4k": "cursor 3840×2160 @2", "display_pan_1280": "pan 1280×720 @1",
        "display_pan_4k": "pan 3840×2160 @2"}
_VERSUS = {"zoom_step": "mpl pan step", "zoom_roll": "mpl pan step", "inflight_change": "mpl mapping change",
           "linerr_cursor": "mpl blit cursor", "display_cursor_1280": "mpl blit cursor",
           "display_cursor_4k": "mpl blit cursor", "display_pan_1280": "mpl pan step",
           "display_pan_4k": "mpl pan step"}
RATIO_LABELS = {**{f"{k}_vs_cursor": f"{v} / cursor move" for k, v in _OPS.items()},
                **{f"{k}_vs_matplotlib": f"{_VERSUS[k]} / {v}" for k, v in _OPS.items() if k in _VERSUS}}


def _unit_table(title: str, rows, data: dict, names: list[str]) -> Table:
    table = Table(title, ["", *names])
    for key, label, unit in rows:
        cells = [cell(data.get(n, {}).get(key), unit) for n in names]
        if any(c != "—" for c in cells):
            table.add(label + (" (fps)" if unit == "fps" and not label.endswith("second") else ""), *cells)
    return table


def interaction_tables(result: dict) -> list[Table]:
    """The interactions' tables: per workload, the slider drag, the displays, floors, refinement, ratios."""
    tables: list[Table] = []
    inter = result.get("interactions", {})
    names = [n for n in result["workloads"] if n in inter]
    if names:
        tables.append(_unit_table("Interactions, no settling (median / p90, ms; fps where said)",
                                  INTERACTION_ROWS, inter, names))
    slider = result.get("slider")
    if slider:
        title = f"Slider drag: {slider['text']}, parameter {slider['parameter']} (median / p90)"
        tables.append(_unit_table(title, SLIDER_ROWS, {"x + a sin y": slider}, ["x + a sin y"]))
    display = result.get("display", {})
    dnames = [n for n in result["workloads"] if n in display]
    if dnames:
        configs = result["settings"].get("displays", [])
        header = [f"{n} {c.replace('x', '×').replace('@', ' @')}" for n in dnames for c in configs]
        table = Table("Display sizes (own process; window size in device pixels @ device pixel ratio)",
                      ["", *header])
        for key, label in DISPLAY_ROWS:
            cells = [cell(display[n].get(c, {}).get(key)) for n in dnames for c in configs]
            if any(c != "—" for c in cells):
                table.add(label, *cells)
        tables.append(table)
    detail = result.get("interactions_detail", {})
    floors = {}
    for name in names:
        for kind, values in detail.get(name, {}).get("floors", {}).items():
            floors[f"{name} {kind}"] = values
    for kind, values in result.get("slider_detail", {}).get("floors", {}).items():
        if kind == "slider":
            floors["x + a sin y (a = 1.7)"] = values
    if floors:
        table = Table("Floors: the parts of one resample + redraw, called directly (median ms)",
                      ["", *floors])
        for key, label in FLOOR_ROWS:
            table.add(label, *[fmt(v.get(key)) for v in floors.values()])
        table.add("samples per side (with the margin)", *[str(v.get("samples_per_side", "—"))
                                                          for v in floors.values()])
        tables.append(table)
    refine = result.get("slider_detail", {}).get("floors", {}).get("refinement")
    if refine:
        header = [f"{q['quality'][0]}², {q['quality'][1]} lines × {q['quality'][2]}" for q in refine.values()]
        table = Table("Progressive refinement on x + a sin y: one step's parts at each quality (median ms)",
                      ["", *header])
        for key, label in FLOOR_ROWS:
            table.add(label, *[fmt(v.get(key)) for v in refine.values()])
        totals = [v["worker_total"] + v["gui_total"] for v in refine.values()]
        table.add("worker + GUI, one frame", *[fmt(t) for t in totals])
        tables.append(table)
    ir = result.get("interaction_ratios", {})
    if ir:
        present = {k for row in ir.values() for k in row}
        order = [f"{op}_vs_{what}" for what in ("cursor", "matplotlib")
                 for op in ("slider_step", "zoom_step", "zoom_roll", "morph_play_frame", "morph_60_step",
                            "linerr_switch", "linerr_cursor", "inflight_change", "display_cursor_1280",
                            "display_cursor_4k", "display_pan_1280", "display_pan_4k")]
        keys = [k for k in order if k in present]
        rnames = [n for n in [*result["workloads"], "slider"] if n in ir]
        table = Table("Interactions: × a cursor move (jacviz / cursor, medians), and matplotlib / jacviz "
                      "(above 1: jacviz is faster)", ["", *rnames])
        for key in keys:
            cells = [f"{ir[n][key]:.2f}×" if key in ir[n] else "—" for n in rnames]
            table.add(RATIO_LABELS.get(key, key), *cells)
        tables.append(table)
    return tables


def render(result: dict, markdown: bool = False) -> str:
    """Every table of a benchmark result."""
    m = result["machine"]
    names = list(result["workloads"])
    settings = result["settings"]
    q = settings["quality"]
    head = (f"jacviz benchmark ({result['mode']}) · {m['cpu_count']} CPUs ({m['cpu_model']}) · "
            f"Python {m['python']} · numpy {m['numpy']} · PySide6 {m['PySide6']} (Qt {m.get('qt', '?')}) · "
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
    tables += interaction_tables(result)
    tg_table = Table("Targets", ["target", "workload", "measured", "limit", "result"])
    for t in result["targets"]:
        unit = f" {t['unit']}" if t["unit"] else ""
        verdict = "pass" if t["passed"] else "MISS"
        limit = f"≥ {fmt(t['limit'])}" if t["unit"] == "fps" else fmt(t["limit"])
        tg_table.add(t["target"], t["workload"], f"{fmt(t['measured'])}{unit}", f"{limit}{unit}",
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
