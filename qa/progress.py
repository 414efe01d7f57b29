"""Progress of a run: a bar on a terminal, one plain line per call otherwise (cron, logs), or JSON
lines for log shippers (``--log-json``)."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, Literal

import click

from batch import CallSource
from qa.model import CallResult
from qa.run import Event, Progress, Tally

Mode = Literal["auto", "plain", "json"]


def _line(source: CallSource, result: CallResult, tally: Tally) -> str:
    if result.status == "ok":
        dur = result.audio.duration_s if result.audio else 0.0
        wall = sum(result.timings.values())
        detail = f"ok {dur:.1f} s audio in {wall:.1f} s, {len(result.utterances)} utterances"
    else:
        assert result.error is not None
        detail = f"FAILED {result.error.code}: {result.error.message}"
    return f"[{tally.done}/{tally.total}] {source.call_id}: {detail}"


def _eta(tally: Tally) -> str:
    eta = tally.eta_s
    if eta is None:
        return "ETA -"
    h, rest = divmod(int(eta), 3600)
    return f"ETA {h}:{rest // 60:02d}:{rest % 60:02d}"


def _counts(tally: Tally) -> str:
    return (
        f"{tally.ok} ok, {tally.failed} failed, {tally.skipped} skipped; "
        f"{tally.audio_s / 3600:.2f} h audio, {tally.realtime_factor:.1f}x real time, {_eta(tally)}"
    )


@contextmanager
def reporter(mode: Mode = "auto") -> Iterator[Progress]:
    if mode == "json":
        yield _json_events
    elif mode == "plain" or not sys.stderr.isatty():
        yield _plain
    else:
        with _bar() as progress:
            yield progress


def _plain(event: Event, source: CallSource, result: CallResult | None, tally: Tally) -> None:
    if event == "done" and result is not None:
        click.echo(_line(source, result, tally), err=True)
        if tally.done % 50 == 0:
            click.echo(f"  {tally.done}/{tally.total}: {_counts(tally)}", err=True)


def _json_events(event: Event, source: CallSource, result: CallResult | None, tally: Tally) -> None:
    if event == "start":
        return
    record: dict[str, Any] = {
        "ts": datetime.now(UTC).isoformat(timespec="milliseconds"),
        "event": f"call.{event}",
        "call_id": source.call_id,
        "done": tally.done,
        "total": tally.total,
        "ok": tally.ok,
        "failed": tally.failed,
        "skipped": tally.skipped,
    }
    if result is not None:
        record["status"] = result.status
        if result.error:
            record["error"] = result.error.to_dict()
        if result.audio:
            record["audio_s"] = result.audio.duration_s
    click.echo(json.dumps(record, ensure_ascii=False), err=True)


@contextmanager
def _bar() -> Iterator[Progress]:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(stderr=True)
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[counts]}"),
        console=console,
    ) as bar:
        task = bar.add_task("calls", total=None, counts="")

        def rich(event: Event, source: CallSource, result: CallResult | None, tally: Tally) -> None:
            bar.update(task, total=tally.total, completed=tally.done, counts=_counts(tally))
            if event == "start":
                bar.update(task, description=source.call_id[:32])
            elif result is not None and result.status != "ok":
                console.print(_line(source, result, tally), markup=False, highlight=False)

        yield rich


class JsonFormatter(logging.Formatter):
    """Log records as one JSON object per line (time, level, logger, message)."""

    def format(self, record: logging.LogRecord) -> str:
        from pii.detect import scrub

        out = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": scrub(record.getMessage()),
        }
        if record.exc_info:
            out["exception"] = scrub(self.formatException(record.exc_info).splitlines()[-1])
        return json.dumps(out, ensure_ascii=False)


def log_as_json() -> None:
    """Every handler on the root logger writes JSON lines (the scrubbing filters stay in place)."""
    for handler in logging.getLogger().handlers:
        handler.setFormatter(JsonFormatter())
