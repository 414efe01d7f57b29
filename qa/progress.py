"""Progress of a run: a rich bar on a terminal, one plain line per call otherwise (logs, cron)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

import click

from batch import CallSource
from qa.model import CallResult
from qa.run import Progress


def _line(i: int, total: int, source: CallSource, result: CallResult) -> str:
    if result.status == "ok":
        dur = result.audio.duration_s if result.audio else 0.0
        wall = sum(result.timings.values())
        detail = f"ok {dur:.1f} s audio in {wall:.1f} s, {len(result.utterances)} utterances"
    else:
        assert result.error is not None
        detail = f"FAILED {result.error.code}: {result.error.message}"
    return f"[{i + 1}/{total}] {source.call_id}: {detail}"


@contextmanager
def reporter() -> Iterator[Progress]:
    if not sys.stderr.isatty():

        def plain(i: int, total: int, source: CallSource, result: CallResult | None) -> None:
            if result is not None:
                click.echo(_line(i, total, source, result), err=True)

        yield plain
        return

    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(stderr=True)
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console
    ) as bar:
        task = bar.add_task("calls", total=None)

        def rich(i: int, total: int, source: CallSource, result: CallResult | None) -> None:
            bar.update(task, total=total, description=source.call_id[:40])
            if result is not None:
                bar.advance(task)
                if result.status != "ok":
                    console.print(_line(i, total, source, result), markup=False, highlight=False)

        yield rich
