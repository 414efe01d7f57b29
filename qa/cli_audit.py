"""``callqa violations``, ``callqa search``, ``callqa review mark|calibration``: the auditor's and
the coach's questions over the results store, one command each."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from qa.errors import CallqaError

FORMATS = ["table", "csv", "json", "jsonl"]
_STORE_HELP = "The store: an output folder (its callqa.db) or a URL (postgresql://…). Default: $CALLQA_STORE."


def store_option(f: Any) -> Any:
    return click.option("--store", "store", envvar="CALLQA_STORE", required=True, help=_STORE_HELP)(f)


def store_url(value: str) -> str:
    """A folder means its SQLite store; anything with ``://`` is a URL."""
    if "://" in value:
        return value
    from store import default_url

    folder = Path(value)
    if not (folder / "callqa.db").exists():
        raise click.BadParameter(
            f"{folder} has no callqa.db: give a run's output folder or a URL", param_hint="--store"
        )
    return default_url(folder)


@contextmanager
def opened(value: str) -> Iterator[Any]:
    from store import open_store

    try:
        store = open_store(store_url(value))
    except CallqaError as e:
        raise click.ClickException(str(e)) from e
    try:
        yield store
    finally:
        store.close()


def _filter_options(f: Any) -> Any:
    from audit.filters import KINDS, SEVERITIES, VERDICTS

    many: dict[str, Any] = {"multiple": True}
    options = [
        click.option("--rule", "rules", **many, help="Rule id, or a prefix with * (pii.*); repeatable."),
        click.option("--kind", "kinds", type=click.Choice(KINDS), **many, help="Rule kind; repeatable."),
        click.option("--severity", "severities", type=click.Choice(SEVERITIES), **many, help="Repeatable."),
        click.option("--entity-type", "entity_types", **many, help="PII type (bank_card, cn_id, …); repeatable."),
        click.option("--agent", "agents", **many, help="Agent id; repeatable."),
        click.option("--team", "teams", **many, help="Repeatable."),
        click.option("--queue", "queues", **many, help="Repeatable."),
        click.option("--since", help="Calls that started on or after this date (2026-11-01) or time."),
        click.option("--until", help="Calls that started before this time, or up to the end of this date."),
        click.option("--run", "runs", **many, help="Run id (see callqa store info); repeatable."),
        click.option("--auto-fail/--no-auto-fail", "auto_fail", default=None, help="Only auto-fail findings, or none."),
        click.option("--verdict", type=click.Choice(VERDICTS), help="Coaches' latest verdict (none: not reviewed)."),
    ]
    for option in reversed(options):
        f = option(f)
    return f


def _output_options(f: Any) -> Any:
    for option in reversed(
        [
            click.option(
                "--format",
                "fmt",
                type=click.Choice(FORMATS),
                default="table",
                show_default=True,
            ),
            click.option("--out", "out_file", type=click.Path(dir_okay=False, path_type=Path), help="Write here."),
            click.option("--limit", type=click.IntRange(min=1), default=None, help="At most this many rows."),
        ]
    ):
        f = option(f)
    return f


def _filters(kw: dict[str, Any], roles: tuple[str, ...] = ()) -> Any:
    from audit.filters import Filters

    keys = ("rules", "kinds", "severities", "entity_types", "agents", "teams", "queues", "runs")
    filters = Filters(
        **{k: tuple(kw[k]) for k in keys},
        since=kw["since"],
        until=kw["until"],
        auto_fail=kw["auto_fail"],
        verdict=kw["verdict"],
        roles=roles,
    )
    try:
        filters.validate()
    except ValueError as e:
        raise click.UsageError(str(e)) from e
    return filters


def _emit(text: str, out_file: Path | None, rows: int) -> None:
    if out_file is None:
        click.echo(text, nl=False)
        return
    from qa.outputs import write_atomic

    write_atomic(out_file, text)
    click.echo(f"{rows} rows → {out_file}", err=True)


@click.command()
@store_option
@_filter_options
@click.option("--group-by", type=click.Choice(["rule", "agent", "team", "day"]), help="Counts instead of rows.")
@_output_options
def violations(store: str, group_by: str | None, fmt: Any, out_file: Path | None, limit: int | None, **kw: Any) -> None:
    """Findings across every stored call: who, when, which rule, the masked words, and the page.

    \b
    callqa violations --store /qa/nightly --rule pii.agent_reads_number --since 2026-10-01 --until 2026-10-31
    callqa violations --store /qa/nightly --severity critical --group-by agent --format csv --out crit.csv
    """
    from audit.export import clock, render
    from audit.violations import COLUMNS, grouped
    from audit.violations import violations as find

    filters = _filters(kw)
    with opened(store) as s:
        if group_by:
            rows = grouped(s, filters, group_by)  # type: ignore[arg-type]
            columns: tuple[str, ...] = (group_by, "findings", "calls", "critical")
        else:
            rows = find(s, filters, limit)
            columns = COLUMNS
    if fmt == "table" and not group_by:
        for row in rows:
            row["start_s"], row["end_s"] = clock(row["start_s"]), clock(row["end_s"])
        columns = tuple(c for c in columns if c not in ("explanation", "kind", "entity_type"))
    _emit(render(rows, columns, fmt, {"evidence": 60, "call_id": 28, "page": 40}), out_file, len(rows))


@click.command()
@click.argument("words")
@store_option
@_filter_options
@click.option("--role", "roles", type=click.Choice(["agent", "customer"]), multiple=True, help="Whose words.")
@_output_options
def search(words: str, store: str, roles: tuple[str, ...], fmt: Any, out_file: Path | None, **kw: Any) -> None:
    """Find WORDS in every stored transcript (masked text; Chinese and English, by substring).

    \b
    callqa search 投诉 --store /qa/nightly --role customer --since 2026-11-01
    callqa search "guaranteed return" --store postgresql://qa@db/qa --format jsonl
    """
    from audit.export import clock, render
    from audit.search import search as find

    limit = kw.pop("limit") or 200
    filters = _filters(kw, roles)
    with opened(store) as s:
        try:
            rows = find(s, words, filters, limit)
        except ValueError as e:
            raise click.UsageError(str(e)) from e
    for row in rows:
        row["time"] = clock(row["start_s"])
    columns: tuple[str, ...] = ("call_id", "started_at", "agent_id", "role", "time", "match", "page")
    if fmt != "table":  # for tools: times as numbers, and the plain sentence beside the marked one
        columns = (*columns[:4], "start_s", "end_s", "utterance_id", "text", "match", "page")
    _emit(render(rows, columns, fmt, {"match": 80, "call_id": 28}), out_file, len(rows))


@click.command()
@click.argument("call_id")
@click.argument("finding", type=int)
@click.option("--verdict", type=click.Choice(["agree", "disagree"]), required=True)
@click.option("--note", default=None, help="Why (shown on the review page).")
@click.option("--by", "by", required=True, help="Who gives the verdict.")
@store_option
def mark(call_id: str, finding: int, verdict: str, note: str | None, by: str, store: str) -> None:
    """Record a coach's verdict on FINDING (its number in `callqa violations`) of CALL_ID.

    A disagreed finding stops counting against the call's score: the next `callqa run` on the
    same calls re-scores it (no ASR).
    """
    from audit.verdicts import mark as record

    with opened(store) as s:
        try:
            done = record(s, call_id, finding, verdict, by, note)
        except CallqaError as e:
            raise click.ClickException(str(e)) from e
        except ValueError as e:
            raise click.UsageError(str(e)) from e
    click.echo(f"{done['verdict']} on {call_id} finding {finding} ({done['rule_id']}) by {done['by']} at {done['at']}")


@click.command()
@store_option
@_output_options
def calibration(store: str, fmt: Any, out_file: Path | None, limit: int | None) -> None:
    """Per rule, how often coaches disagree with its findings: the rules that need rewriting first."""
    from audit.export import render
    from audit.verdicts import calibration as rates

    with opened(store) as s:
        rows = rates(s)[:limit]
    _emit(render(rows, ("rule_id", "findings", "verdicts", "disagree", "disagree_rate"), fmt), out_file, len(rows))
    if not rows:
        click.echo("no verdicts yet: coaches record them with `callqa review mark`", err=True)
        sys.exit(0)
