"""Read the public formats the bundled series come from into raw records.

A raw record is what a file of ``forecast/data/public-series/`` holds per row: ``series``
(a series id of ``forecast/data/series.toml``), ``date``, ``model``, ``value`` (in the
series' unit), ``unit``, ``lower``/``upper`` (a published interval), ``source``, ``is_sota``,
``notes``, plus the format's own columns under the names the bundled files use (``folder``,
``checked``, ``sem``, ``stderr_pct``, ``runtime_hours``, ...). :mod:`forecast.data_import`
turns records into observation rows exactly as the bundled history is built.

Formats (``FORMATS``):

    metr-yaml         METR's benchmark_results_1_*.yaml: results.<model>.metrics.
                      p50_horizon_length / p80_horizon_length {estimate, ci_low, ci_high}
                      (minutes, 95 % bootstrap interval), release_date
    epoch-csv         Epoch AI's benchmarks_runs.csv (task, model, Best score 0-1, Scores
                      'scorer:mean±err', Status) joined on model to model_versions.csv
                      (Version release date); SWE-bench Verified runs only
    swebench-json     the SWE-bench leaderboard data/leaderboards.json: leaderboards[] of
                      {name, results[{name, folder, date, resolved (%), checked, ...}]}
    posttrainbench-md the PostTrainBench README leaderboard (markdown: Rank | Agent |
                      Scaffold | Avg | one column per eval); it gives no dates
    mlebench-md       the MLE-bench README leaderboard (markdown: Agent | LLM(s) used |
                      Low == Lite (%) | ... | All (%) | Running Time (hours) | Date, cells
                      'mean ± sem'); rows of its "Additional ... Submissions" table are
                      flagged known_leakage

Every problem is a :class:`forecast.errors.ForecastError` naming the file and the entry.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from typing import Any

from .errors import ForecastError
from .observation_rows import finite_number

Record = dict[str, str]

SWEBENCH_BOARDS = {
    "Verified": "swe-bench-verified",
    "bash-only": "swe-bench-verified-bash-only",
    "Test": "swe-bench-full",
    "Lite": "swe-bench-lite",
    "Multimodal": "swe-bench-multimodal",
}
EPOCH_TASKS = {"SWE-Bench verified": "epoch-swe-bench-verified"}
MLEBENCH_COLUMNS = {"All (%)": "mle-bench-all", "Low == Lite (%)": "mle-bench-lite"}
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _record(
    series: str, date: str, model: str, value: float, unit: str, source: str, **extra
) -> Record:
    rec = {
        "series": series,
        "date": date,
        "model": model,
        "value": f"{value:.10g}",
        "unit": unit,
        "lower": "",
        "upper": "",
        "source": source,
        "is_sota": "",
        "notes": "",
    }
    rec.update({k: "" if v is None else str(v) for k, v in extra.items()})
    return rec


def _number(v: Any, where: str, what: str) -> float:
    """A JSON/YAML/CSV value as a finite float (:func:`observation_rows.finite_number`)."""
    text = "" if v is None else str(v)
    return finite_number(text, where, lambda kind: f"{what}: expected {kind}, got {v!r}")


def full_date(v: Any, where: str, what: str) -> str:
    s = str(v).strip() if v is not None else ""
    if not _DATE.match(s):
        raise ForecastError(f"{what}: expected a date YYYY-MM-DD, got {v!r}", where)
    return s


# --- METR --------------------------------------------------------------------------------------


def metr_yaml(text: str, where: str, source: str) -> list[Record]:
    import yaml

    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise ForecastError(f"not valid YAML ({str(err).splitlines()[0]})", where) from None
    if not isinstance(doc, dict) or not isinstance(doc.get("results"), dict):
        raise ForecastError("expected a mapping with 'results' (METR benchmark results)", where)
    m = re.match(r"METR-Horizon-v(\d+\.\d+)$", str(doc.get("benchmark_name", "")))
    if not m:
        raise ForecastError(
            f"key 'benchmark_name': expected 'METR-Horizon-vX.Y', got {doc.get('benchmark_name')!r}",
            where,
        )
    suite = m[1]
    out = []
    for model, e in doc["results"].items():
        key = f"results.{model}"
        if not isinstance(e, dict) or not isinstance(e.get("metrics"), dict):
            raise ForecastError(f"key {key!r}: expected a mapping with 'metrics'", where)
        date = full_date(e.get("release_date"), where, f"key '{key}.release_date'")
        for p in ("p50", "p80"):
            h = e["metrics"].get(f"{p}_horizon_length")
            if not isinstance(h, dict):
                raise ForecastError(f"key '{key}.metrics.{p}_horizon_length': missing", where)
            what = f"key '{key}.metrics.{p}_horizon_length"
            rec = _record(
                f"metr-horizon-{suite}-{p}",
                date,
                str(model),
                _number(h.get("estimate"), where, f"{what}.estimate'"),
                "minutes",
                source,
                suite_version=str(e.get("benchmark_name", "")).replace("METR-Horizon-", ""),
            )
            for col, k in (("lower", "ci_low"), ("upper", "ci_high")):
                if h.get(k) is not None:
                    rec[col] = f"{_number(h[k], where, f'{what}.{k}'):.10g}"
            flag = e["metrics"].get(f"is_sota_{p}", e["metrics"].get("is_sota"))
            rec["is_sota"] = "" if flag is None else str(bool(flag)).lower()
            out.append(rec)
    return out


# --- Epoch -------------------------------------------------------------------------------------


def csv_records(
    text: str, where: str, needed: tuple[str, ...] = ()
) -> list[tuple[int, dict[str, str]]]:
    """CSV records (names and values stripped) with the line each starts on (header = line
    1); a missing ``needed`` column, or a row with more fields than the header, is an error."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [c for c in needed if c not in header]
    if missing:
        raise ForecastError(f"missing column(s) {', '.join(missing)}", where)
    out, line = [], 2
    for rec in reader:
        if None in rec:
            raise ForecastError(
                f"{len(header) + len(rec[None])} fields; expected {len(header)}", f"{where}:{line}"
            )
        out.append((line, {k.strip(): (v or "").strip() for k, v in rec.items()}))
        line = reader.line_num + 1
    return out


def release_dates(text: str, where: str) -> dict[str, str]:
    """Epoch's model_versions.csv: model version id -> release date (dated ones only)."""
    rows = csv_records(text, where, ("id", "Version release date"))
    return {r["id"]: r["Version release date"] for _, r in rows if r["Version release date"]}


def epoch_csv(
    text: str, where: str, source: str, dates: dict[str, str]
) -> tuple[list[Record], list[str]]:
    """SWE-bench Verified runs; runs whose model has no release date are returned as
    skipped (the date is the model's release, as in the bundled series)."""
    cols = ("id", "task", "model", "Best score (across scorers)", "Scores", "started_at", "Status")
    out, skipped = [], []
    for line, r in csv_records(text, where, cols):
        series = EPOCH_TASKS.get(r["task"])
        if series is None or r["Status"] != "Success":
            continue
        at = f"{where}:{line}"
        score = _number(
            r["Best score (across scorers)"], at, "column 'Best score (across scorers)'"
        )
        if not 0 <= score <= 1:
            raise ForecastError(
                f"column 'Best score (across scorers)': expected 0-1, got {score}", at
            )
        if r["model"] not in dates:
            skipped.append(f"{at}: {r['model']}: no release date in the model versions file")
            continue
        err = re.search(r":\s*[0-9.]+\s*±\s*([0-9.]+)", r["Scores"])
        rec = _record(
            series,
            full_date(dates[r["model"]], at, "release date"),
            r["model"],
            100 * score,
            "% correct",
            source,
            stderr_pct=f"{100 * float(err[1]):.10g}" if err else "",
            run_started_at=r["started_at"],
            epoch_run_id=r["id"],
        )
        out.append(rec)
    return out, skipped


# --- SWE-bench ---------------------------------------------------------------------------------


def swebench_json(text: str, where: str, source: str) -> tuple[list[Record], list[str]]:
    import json

    try:
        doc = json.loads(text)
    except json.JSONDecodeError as err:
        raise ForecastError(f"not valid JSON ({err})", where) from None
    boards = doc.get("leaderboards") if isinstance(doc, dict) else None
    if not isinstance(boards, list):
        raise ForecastError("expected {'leaderboards': [{name, results: [...]}, ...]}", where)
    out, skipped = [], []
    for i, b in enumerate(boards):
        name = b.get("name") if isinstance(b, dict) else None
        series = SWEBENCH_BOARDS.get(str(name))
        if series is None:
            skipped.append(
                f"leaderboards[{i}] {name!r}: not a bundled series (known: {', '.join(SWEBENCH_BOARDS)})"
            )
            continue
        for j, e in enumerate(b.get("results") or []):
            key = f"leaderboards[{i}] ({name}).results[{j}]"
            if not isinstance(e, dict):
                raise ForecastError(f"{key}: expected an object", where)
            folder = str(e.get("folder") or "")
            date = e.get("date") or (
                f"{folder[:4]}-{folder[4:6]}-{folder[6:8]}" if folder[:8].isdigit() else None
            )
            checked = e.get("checked")
            out.append(
                _record(
                    series,
                    full_date(date, where, f"{key}.date"),
                    str(e.get("name") or folder),
                    _number(e.get("resolved"), where, f"{key}.resolved"),
                    "% resolved",
                    source,
                    checked="" if checked is None else str(checked),
                    os_model=str(e.get("os_model", "")),
                    folder=folder,
                )
            )
    return out, skipped


# --- markdown leaderboards ---------------------------------------------------------------------


def _clean(cell: str) -> str:
    """A markdown cell as text: links to their text, footnotes and tags dropped, spaces collapsed."""
    cell = re.sub(r"\[\^[^\]]*\]", "", cell)
    cell = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", cell)
    cell = re.sub(r"<br\s*/?>", " ", cell)
    cell = re.sub(r"<[^>]+>", "", cell)
    return " ".join(cell.split())


def markdown_tables(text: str) -> list[tuple[str, list[str], list[tuple[int, list[str]]]]]:
    """Every pipe table: (the heading above it, its header cells, its (line, cells) rows)."""
    tables: list[tuple[str, list[str], list[tuple[int, list[str]]]]] = []
    heading = ""
    cur: tuple[str, list[str], list[tuple[int, list[str]]]] | None = None
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if line.startswith("#"):
            heading = line.lstrip("#").strip()
        if not line.startswith("|"):
            cur = None
            continue
        cells = [c.strip() for c in line.strip("|").split("|")]
        if cur is None:
            cur = (heading, [_clean(c) for c in cells], [])
            tables.append(cur)
        elif all(re.fullmatch(r":?-{3,}:?", c) for c in cells if c):
            continue
        else:
            cur[2].append((n, cells))
    return tables


def _cells(
    header: list[str], rows: list[tuple[int, list[str]]], where: str
) -> Iterator[tuple[str, dict[str, str]]]:
    """Each row of a table as (FILE:LINE, {column: cell}); a row of another width is an error."""
    for line, cells in rows:
        at = f"{where}:{line}"
        if len(cells) != len(header):
            raise ForecastError(
                f"{len(cells)} cells, expected {len(header)} ({', '.join(header)})", at
            )
        yield at, dict(zip(header, cells))


def _mean_sem(cell: str, where: str, col: str) -> tuple[float, str]:
    m = re.fullmatch(r"([0-9.]+)\s*(?:±\s*([0-9.]+))?", _clean(cell))
    if not m:
        raise ForecastError(f"column {col!r}: expected 'mean ± sem', got {cell!r}", where)
    return float(m[1]), m[2] or ""


def mlebench_md(text: str, where: str, source: str) -> list[Record]:
    tables = [
        t for t in markdown_tables(text) if set(MLEBENCH_COLUMNS) <= set(t[1]) and "Date" in t[1]
    ]
    if not tables:
        raise ForecastError(
            f"no leaderboard table with columns {', '.join(MLEBENCH_COLUMNS)} and Date", where
        )
    out = []
    for heading, header, rows in tables:
        leak = "additional" in heading.lower()
        for at, c in _cells(header, rows, where):
            model = f"{_clean(c['Agent'])} | {_clean(c['LLM(s) used'])}"
            for name, series in MLEBENCH_COLUMNS.items():
                value, sem = _mean_sem(c[name], at, name)
                out.append(
                    _record(
                        series,
                        full_date(_clean(c["Date"]), at, "column 'Date'"),
                        model,
                        value,
                        "% any medal",
                        source,
                        sem=sem,
                        runtime_hours=_clean(c.get("Running Time (hours)", "")),
                        known_leakage=str(leak).lower(),
                    )
                )
    return out


def posttrainbench_md(
    text: str, where: str, source: str, dates: dict[str, str]
) -> tuple[list[Record], list[str]]:
    """The leaderboard's rows; ``dates`` maps 'Agent | Scaffold' to a release date (the
    README gives none). Reference rows (rank '-') need no date; other undated rows are
    returned as skipped."""
    tables = [t for t in markdown_tables(text) if {"Agent", "Scaffold", "Avg"} <= set(t[1])]
    if not tables:
        raise ForecastError("no leaderboard table with columns Agent, Scaffold, Avg", where)
    _heading, header, rows = tables[0]
    evals = header[header.index("Avg") + 1 :]
    out, skipped = [], []
    for at, c in _cells(header, rows, where):
        model = f"{_clean(c['Agent'])} | {_clean(c['Scaffold'])}"
        reference = _clean(c.get("Rank", "")) == "-"
        date = dates.get(model, "")
        if not date and not reference:
            skipped.append(f"{at}: {model}: no release date (give one with --dates)")
            continue
        per = "; ".join(f"{e.replace(' ', '')}={_clean(c[e])}" for e in evals if _clean(c[e]))
        out.append(
            _record(
                "posttrainbench",
                full_date(date, at, "release date") if date else "",
                model,
                _number(_clean(c["Avg"]), at, "column 'Avg'"),
                "weighted avg score (%)",
                source,
                per_benchmark=per,
            )
        )
    return out, skipped


FORMATS: dict[str, str] = {
    "metr-yaml": "METR benchmark_results_1_*.yaml",
    "epoch-csv": "Epoch AI benchmarks_runs.csv (+ --model-versions model_versions.csv)",
    "swebench-json": "SWE-bench leaderboard data/leaderboards.json",
    "posttrainbench-md": "PostTrainBench README.md leaderboard (+ --dates for release dates)",
    "mlebench-md": "MLE-bench README.md leaderboard",
}
