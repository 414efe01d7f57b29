"""``callqa scorecards``: per-agent, team or queue scorecards over the calls of one or more runs."""

from __future__ import annotations

import io
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any

import click

from qa.errors import CallqaError


@click.command("scorecards")
@click.argument("run_dirs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--by", type=click.Choice(["agent", "team", "queue"]), default="agent", show_default=True, help="Group calls by."
)
@click.option(
    "--period",
    type=click.Choice(["day", "week", "month", "all"]),
    default="all",
    show_default=True,
    help="One scorecard per group per day, ISO week, month, or all time.",
)
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), help="First day (YYYY-MM-DD) of metadata.started_at.")
@click.option("--until", type=click.DateTime(["%Y-%m-%d"]), help="Last day (YYYY-MM-DD), included.")
@click.option(
    "--manifest",
    type=click.Path(dir_okay=False, path_type=Path),
    help="CSV or JSONL manifest filling metadata the calls lack (matched by call_id, else by path).",
)
@click.option(
    "--filename-pattern",
    help="Fill missing metadata from the recording's name: {started_at}_{agent_id}_{call_id}, or re:REGEX.",
)
@click.option(
    "--out",
    "-o",
    type=click.Path(file_okay=False, path_type=Path),
    help="Also write OUT/scorecards.csv and OUT/scorecards.json.",
)
def scorecards(
    run_dirs: tuple[Path, ...],
    by: str,
    period: str,
    since: datetime | None,
    until: datetime | None,
    manifest: Path | None,
    filename_pattern: str | None,
    out: Path | None,
) -> None:
    """Scorecards from the calls that `callqa run` wrote to RUN_DIR/calls.

    Per group and period: calls, mean score, pass rate, auto-fails, weakest section, top violated
    rule, customer sentiment change and the call to review first, with why.
    """
    from scoring import scorecards as sc

    first, last = _day(since), _day(until)
    if first and last and first > last:
        raise click.BadParameter(f"--since {first} is after --until {last}", param_hint="--since")
    check_pattern(filename_pattern)
    try:
        calls = _calls(list(run_dirs), manifest, filename_pattern)
        cards = sc.build_scorecards(calls, by=by, period=period, since=first, until=last)  # type: ignore[arg-type]
        if out is not None:
            sc.write_csv(cards, out / "scorecards.csv")
            sc.write_json(cards, out / "scorecards.json")
    except CallqaError as e:
        raise click.ClickException(str(e)) from e
    except OSError as e:
        raise click.ClickException(str(CallqaError("input.unreadable", f"{e.filename}: {e.strerror}"))) from e
    _print(sc.render_table(cards))
    _summary(cards, out)


def _day(value: datetime | None) -> date | None:
    return value.date() if value is not None else None


def check_pattern(pattern: str | None) -> None:
    """A bad --filename-pattern is a usage error, before anything is read (run and scorecards)."""
    if not pattern:
        return
    from batch.metadata import compile_pattern

    try:
        compile_pattern(pattern)
    except ValueError as e:
        raise click.BadParameter(str(e), param_hint="--filename-pattern") from e


def _calls(run_dirs: list[Path], manifest: Path | None, pattern: str | None) -> list[dict[str, Any]]:
    """The runs' calls with metadata filled in; skipped files and bad manifest rows are warned about."""
    from batch.metadata import Manifest, read_manifest
    from scoring.scorecards import load_calls, overlay_metadata

    for run_dir in run_dirs:
        if not run_dir.exists():
            raise CallqaError("input.not_found", f"{run_dir}: no such run folder")
    problems: list[str] = []
    try:
        calls = load_calls(run_dirs, problems)
    except ValueError as e:
        raise CallqaError("input.unsupported", str(e)) from e
    table: Manifest | None = None
    if manifest is not None:
        if not manifest.exists():
            raise CallqaError("input.not_found", f"{manifest}: no such manifest")
        try:
            table = read_manifest(manifest, check_files=False)  # recordings need not be here to score
        except ValueError as e:
            raise CallqaError("input.unreadable", str(e)) from e
        problems += [f"{manifest.name}:{line}: row skipped: {why}" for line, why in table.errors]
    for problem in problems:
        click.echo(f"warning: {problem}", err=True)
    return overlay_metadata(calls, table, pattern) if table is not None or pattern else calls


def _print(renderable: Any) -> None:
    from rich.console import Console

    if sys.stdout.isatty():
        Console().print(renderable)
        return
    buffer = io.StringIO()
    Console(file=buffer, width=200, no_color=True, soft_wrap=False).print(renderable)  # piped: plain and wide
    click.echo(buffer.getvalue(), nl=False)


def _summary(cards: Any, out: Path | None) -> None:
    failed = sum(g.failed for g in cards.groups)
    ok = sum(g.calls for g in cards.groups)
    notes = [f"{ok} calls ok, {failed} failed, in {len(cards.groups)} scorecards"]
    if cards.excluded:
        notes.append(f"{cards.excluded} outside the dates")
    if cards.duplicates:
        notes.append(f"{cards.duplicates} duplicates counted once")
    where = f" → {out / 'scorecards.csv'}, {out / 'scorecards.json'}" if out is not None else ""
    click.echo("; ".join(notes) + where, err=True)
