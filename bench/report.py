"""Write bench/results/RESULTS.md from every results-<scale>.json measured so far (P5 growth included)."""

import json
from pathlib import Path

# P5: the cost per row of these benchmarks must stay flat (±20 %) from 10k to 1M; the sending in seconds
# per e-mail (P6t) and the nightly chain per visit (P8) too.
GROWTH = {"P1a": "visits", "P2": "vehicles", "P3": "loss events", "P6t": "mails", "P8": "visits"}
GROWTH_TOLERANCE = 0.20


def _num(value, unit):
    if value is None:
        return "-"
    if unit == "s":
        return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"
    return f"{value:,.1f} {unit}"


def _verdict(ok):
    return "-" if ok is None else ("PASS" if ok else "**MISS**")


def _table(record):
    lines = [
        "| # | benchmark | ours | baseline | ratio | target | result | notes |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in record["rows"]:
        ratio = f"{row['ratio']:.2f}×" if row.get("ratio") else "-"
        lines.append(
            f"| {row['key']} | {row['name']} | {_num(row['ours'], row['unit'])} | "
            f"{_num(row['base'], row['unit'])} | {ratio} | {row['target'] or '-'} | {_verdict(row['ok'])} | "
            f"{row['note']} |"
        )
    return "\n".join(lines)


def _growth(records):
    by_scale = sorted(records, key=lambda r: r["visits"])
    lines = [
        "| benchmark | " + " | ".join(r["scale"] for r in by_scale) + " | spread | result |",
        "|---|" + "---|" * (len(by_scale) + 2),
    ]
    for key, per in GROWTH.items():
        costs = []
        for record in by_scale:
            row = next((r for r in record["rows"] if r["key"] == key), None)
            rows = row and (row.get("growth_rows") or row.get("rows"))
            costs.append(row["ours"] / rows * 1e6 if rows else None)
        known = [c for c in costs if c]
        if len(known) < 2:
            verdict, spread = "-", "-"
        else:
            ref = known[-1]
            worst = max(abs(c / ref - 1) for c in known)
            trend = "falls with scale" if known[-1] < known[0] else "rises with scale"
            spread = f"±{worst * 100:.0f}% of the largest scale; {trend}"
            verdict = _verdict(worst <= GROWTH_TOLERANCE)
        cells = " | ".join(f"{c:.2f} µs" if c else "-" for c in costs)
        lines.append(f"| {key} per {per[:-1] if per.endswith('s') else per} | {cells} | {spread} | {verdict} |")
    return "\n".join(lines)


def _points(records, key):
    """``[(scale, rows, seconds)]`` of one benchmark, smallest scale first."""
    points = []
    for record in sorted(records, key=lambda r: r["visits"]):
        row = next((r for r in record["rows"] if r["key"] == key), None)
        rows = row and (row.get("growth_rows") or row.get("rows"))
        if rows:
            points.append((record["scale"], rows, row["ours"]))
    return points


def _marginal(records):
    """Cost of each extra row between two scales: (T₂ − T₁) / (rows₂ − rows₁).

    A fixed cost per run (planning, round trips, the ORM's setup) divides into fewer rows
    at a small scale, so the average cost per row falls as data grows even when the work per
    row is constant; the slope between scales is what stays flat when the work is linear,
    and what grows when it is not (a sort, an index that stops fitting in memory).
    """
    lines = [
        "| benchmark | slopes between scales | spread | result |",
        "|---|---|---|---|",
    ]
    for key, per in GROWTH.items():
        points = _points(records, key)
        slopes = [
            (f"{a[0]}→{b[0]}", (b[2] - a[2]) / (b[1] - a[1]) * 1e6)
            for a, b in zip(points, points[1:], strict=False)
            if b[1] > a[1]
        ]
        if len(slopes) < 2:
            verdict, spread = "-", "-"
        else:
            ref = slopes[-1][1]
            worst = max(abs(value / ref - 1) for _label, value in slopes) if ref > 0 else float("inf")
            spread = f"±{worst * 100:.0f}% of the largest"
            verdict = _verdict(worst <= GROWTH_TOLERANCE)
        cells = ", ".join(f"{label}: {value:.2f} µs" for label, value in slopes) or "-"
        lines.append(f"| {key} per extra {per[:-1] if per.endswith('s') else per} | {cells} | {spread} | {verdict} |")
    return "\n".join(lines)


def write_results_md(folder):
    folder = Path(folder)
    records = [json.loads(p.read_text()) for p in sorted(folder.glob("results-*.json"))]
    records.sort(key=lambda r: r["visits"])
    parts = [
        "# Benchmark results",
        "",
        "Written by `bench/run.py` (see bench/README.md). Times are medians of the runs given by the command; "
        "ratio = ours / baseline (lower is better) except P1b (per-customer times, naive ÷ ours = speed-up) "
        "and P4a/P4d (leads per second, ours ÷ Odoo's /json/2: higher is better). "
        "A MISS stays a MISS: the cause and the fix are in the Analysis section.",
        "",
    ]
    for record in records:
        parts += [
            f"## Scale {record['scale']} ({record['visits']:,} visits) — {record['started']}",
            "",
            f"- Machine: {record['machine']}",
            f"- Database: `{record['db']}`",
            *[f"- Command: `{cmd}`" for cmd in record.get("commands") or [record["command"]]],
            "",
            _table(record),
            "",
        ]
    if len(records) > 1:
        parts += [
            "## P5 growth: cost per row (ours)",
            "",
            f"Target: flat within ±{GROWTH_TOLERANCE * 100:.0f}% from the smallest to the largest scale.",
            "",
            "Average cost per row (total time ÷ rows at each scale):",
            "",
            _growth(records),
            "",
            "Marginal cost per row (the time each extra row adds from one scale to the next; fixed costs cancel out):",
            "",
            _marginal(records),
            "",
        ]
    analysis = folder / "ANALYSIS.md"
    if analysis.exists():
        parts += [analysis.read_text()]
    (folder / "RESULTS.md").write_text("\n".join(parts))
