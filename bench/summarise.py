"""Turn benchmark JSON lines into the Markdown tables of ``docs/benchmarks.md``.

Usage::

    .venv/bin/python bench/run_all.py > bench/out/results.jsonl
    .venv/bin/python bench/summarise.py bench/out/results.jsonl
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

TARGET_IMPORT_INVOICES_PER_S = 20_000
TARGET_AGED_S = 1.0
TARGET_PARTY_MS = 10.0
TARGET_RSS_MB = 1024.0

Figure = dict[str, Any]


def load(lines: Iterable[str]) -> list[Figure]:
    out: list[Figure] = []
    for line in lines:
        line = line.strip()
        if line.startswith("{"):
            out.append(json.loads(line))
    return out


def pick(figs: list[Figure], backend: str, bench: str, **match: Any) -> Figure | None:
    for f in figs:
        if f.get("backend") == backend and f.get("bench") == bench and all(f.get(k) == v for k, v in match.items()):
            return f
    return None


def seconds(f: Figure | None) -> str:
    if f is None:
        return "–"
    if f.get("timed_out"):
        return f"> {f['timeout_s']:.0f} s (cancelled)"
    return f"{f['min_s']:.3f} / {f['median_s']:.3f} s"


def millis(f: Figure | None) -> str:
    if f is None:
        return "–"
    if f.get("timed_out"):
        return f"> {f['timeout_s']:.0f} s (cancelled)"
    partial = f" ({f['parties']} parties)" if f.get("parties", 200) < 200 else ""
    return f"{f['median_ms']:.2f} / {f['p95_ms']:.2f} ms{partial}"


def verdict(ok: bool | None) -> str:
    return "–" if ok is None else ("met" if ok else "**missed**")


def table(figs: list[Figure]) -> str:
    backends = [b for b in ("sqlite", "postgres") if any(f.get("backend") == b for f in figs)]
    rows: list[tuple[str, list[str]]] = []

    def add(label: str, cells: list[str]) -> None:
        rows.append((label, cells))

    def each(fn: Any) -> list[str]:
        return [fn(b) for b in backends]

    def imp(b: str) -> Figure | None:
        return pick(figs, b, "import_transactions")

    add("source (commit)", each(lambda b: str((pick(figs, b, "source") or {}).get("commit", "–"))))
    def parties_cell(b: str) -> str:
        f = pick(figs, b, "import_parties")
        if f is None:
            return "–"
        process = f.get("process", "same")
        return f"{f['seconds']:.1f} s, {f['rows_per_s']} rows/s, {f['peak_rss_mb']} MB ({process} process)"

    add("import parties (100k)", each(parties_cell))

    def import_cell(b: str) -> str:
        f = imp(b)
        if f is None:
            return "–"
        if f.get("timed_out"):
            return f"did not finish: {f['rows_done']} rows in {f['seconds']:.0f} s ({f['rows_per_s']} rows/s)"
        return f"{f['seconds']:.1f} s, {f['rows_per_s']} rows/s, **{f['invoices_per_s']} invoices/s**"

    add("import transactions (1.75M rows)", each(import_cell))
    add("auto-match (matches/s over the import)", each(
        lambda b: (lambda f: "–" if f is None else f"{f['matches']} matches, {f['matches_per_s']}/s")(
            pick(figs, b, "auto_match"))))
    add("after the import", each(lambda b: (lambda f: "–" if f is None else f"{f['statement']} ({f['seconds']} s)")(
        pick(figs, b, "maintenance"))))
    for as_of in ("2026-11-28", "2025-12-31"):
        for layer in ("sql", "service"):
            add(f"aged report {as_of}, {layer} (min / median)",
                each(lambda b, a=as_of, lay=layer: seconds(pick(figs, b, "aged_report", as_of=a, layer=lay))))
    for as_of in ("2026-11-28", "2025-12-31"):
        for layer in ("sql", "service"):
            add(f"open items, all customers {as_of}, {layer} (min / median)",
                each(lambda b, a=as_of, lay=layer: seconds(pick(figs, b, "open_items_all", as_of=a, layer=lay))))
    for as_of in ("2026-11-28", "2025-12-31"):
        for layer in ("sql", "service"):
            add(f"one party's open items {as_of}, {layer} (median / p95)",
                each(lambda b, a=as_of, lay=layer: millis(pick(figs, b, "party_open_items", as_of=a, layer=lay))))
    add("peak RSS after the import", each(lambda b: f"{(imp(b) or {}).get('peak_rss_mb', '–')} MB"))
    add("peak RSS of the whole run", each(lambda b: f"{(pick(figs, b, 'peak_rss') or {}).get('mb', '–')} MB"))
    add("database size", each(lambda b: f"{(pick(figs, b, 'database_size') or {}).get('mb', '–')} MB"))

    head = "| figure | " + " | ".join(backends) + " |\n|---|" + "---|" * len(backends) + "\n"
    return head + "".join(f"| {label} | " + " | ".join(cells) + " |\n" for label, cells in rows)


def targets(figs: list[Figure]) -> str:
    backends = [b for b in ("sqlite", "postgres") if any(f.get("backend") == b for f in figs)]
    lines = ["| target | " + " | ".join(backends) + " |", "|---|" + "---|" * len(backends)]

    def import_ok(b: str) -> str:
        f = pick(figs, b, "import_transactions")
        if f is None:
            return "–"
        if f.get("timed_out"):
            return f"**missed** (did not finish; {f['rows_per_s']} rows/s)"
        ok = f["invoices_per_s"] >= TARGET_IMPORT_INVOICES_PER_S
        return f"{verdict(ok)} ({f['invoices_per_s']} invoices/s)"

    def aged_ok(b: str) -> str:
        parts = []
        for as_of in ("2026-11-28", "2025-12-31"):
            f = pick(figs, b, "aged_report", as_of=as_of, layer="sql")
            if f is None:
                continue
            if f.get("timed_out"):
                parts.append(f"{as_of}: **missed** (> {f['timeout_s']:.0f} s)")
            else:
                parts.append(f"{as_of}: {verdict(f['median_s'] <= TARGET_AGED_S)} ({f['median_s']:.3f} s)")
        return "; ".join(parts) or "–"

    def party_ok(b: str) -> str:
        parts = []
        for as_of in ("2026-11-28", "2025-12-31"):
            f = pick(figs, b, "party_open_items", as_of=as_of, layer="sql")
            if f is None:
                continue
            if f.get("timed_out"):
                parts.append(f"{as_of}: **missed**")
            else:
                parts.append(f"{as_of}: {verdict(f['median_ms'] <= TARGET_PARTY_MS)} ({f['median_ms']:.2f} ms)")
        return "; ".join(parts) or "–"

    def rss_ok(b: str) -> str:
        f = pick(figs, b, "import_transactions")
        whole = pick(figs, b, "peak_rss")
        if f is None or whole is None:
            return "–"
        return (f"import: {verdict(f['peak_rss_mb'] <= TARGET_RSS_MB)} ({f['peak_rss_mb']} MB); "
                f"whole run: {verdict(whole['mb'] <= TARGET_RSS_MB)} ({whole['mb']} MB)")

    for label, fn in (("import ≥ 20 000 invoices/s", import_ok), ("aged report ≤ 1 s (SQL pass)", aged_ok),
                      ("one party's open items ≤ 10 ms (SQL, median)", party_ok), ("peak RSS ≤ 1 GB", rss_ok)):
        lines.append(f"| {label} | " + " | ".join(fn(b) for b in backends) + " |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Markdown tables from benchmark JSON lines.")
    ap.add_argument("files", nargs="*", type=Path, help="JSON-lines files (default: stdin)")
    args = ap.parse_args(argv)
    lines: list[str] = []
    if args.files:
        for path in args.files:
            lines.extend(path.read_text(encoding="utf-8").splitlines())
    else:
        lines = sys.stdin.read().splitlines()
    figs = load(lines)
    print(table(figs))
    print(targets(figs))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
