"""The text of `forecast data import` and `forecast data diff`."""

from __future__ import annotations


def _n(count: int, noun: str) -> str:
    """``count`` with its noun, singular or plural (an 's')."""
    return f"{count} {noun if count == 1 else noun + 's'}"


def import_text(s: dict, all_rows: bool) -> str:
    """The summary of `forecast data import`."""
    if all_rows:
        kept = _n(s["written"], "new row")
    else:
        kept = _n(s["new_records"], "new frontier record")
        if s["written"] > s["new_records"]:
            kept += f" and {_n(s['written'] - s['new_records'], 'reference row')}"
    lines = [
        f"{s['file']} ({s['format']}): {_n(s['read'], 'result')} of "
        f"{', '.join(s['series']) or 'no series'}",
        f"  {s['unchanged']} already in the data with the same figures",
        f"  {s['new']} new, of which {_n(s['new_records'], 'frontier record')}",
        f"  {len(s['revised'])} revised (the data hold another figure; not written)",
        f"  {len(s['skipped'])} left out",
    ]
    lines += [f"    revised: {r}" for r in s["revised"]]
    lines += [f"    left out: {r}" for r in s["skipped"]]
    if s["out"] and s.get("merged_into"):
        lines.append(
            f"added {kept} to {s['out']} (now {_n(s['rows_in_out'], 'row')}); "
            f"use it with --data {s['out']}"
        )
    elif s["out"]:
        lines.append(f"wrote {kept} to {s['out']}; use it with --data {s['out']}")
    else:
        lines.append("nothing new to write: the data in use already hold every result")
    return "\n".join(lines)


def diff_text(old: str, new: str, d: dict) -> str:
    """The rows `forecast data diff` found added, removed and changed (``d["layered"]``: NEW
    was read as rows added to OLD)."""

    def row(r: dict) -> str:
        return f"{r['series']} {r['date'] or 'undated'} {r['system']} ({r['kind']}, {r['shown']})"

    how = (
        f"{new} added to {old} (as --data {new} adds it)"
        if d.get("layered")
        else f"{new} against {old}"
    )
    lines = [
        f"{how}: {len(d['added'])} added, {len(d['removed'])} removed, "
        f"{len(d['changed'])} changed, {d['unchanged']} unchanged"
    ]
    lines += [f"+ {row(r)}" for r in d["added"]]
    lines += [f"- {row(r)}" for r in d["removed"]]
    for r in d["changed"]:
        what = ", ".join(f"{f} {a} -> {b}" for f, (a, b) in r["fields"].items())
        lines.append(f"~ {row(r)}: {what}")
    return "\n".join(lines)
