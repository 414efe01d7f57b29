"""``callqa store``: rebuild the results store from a run folder, and say what it holds."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from qa.errors import CallqaError


@click.group()
def store() -> None:
    """The results store (SQLite OUT/callqa.db by default, or PostgreSQL by URL)."""


@store.command("import")
@click.argument("run_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--store", "url", default=None, help="Store URL (default: sqlite RUN_DIR/callqa.db).")
def import_(run_dir: Path, url: str | None) -> None:
    """Rebuild the store's rows from RUN_DIR/calls/*.json, the portable record of every call.

    Calls already in the store are replaced, never duplicated; files that are not call JSON are
    named and skipped (exit 3).
    """
    from store import default_url, import_run_dir

    with _opened(url or default_url(run_dir)) as s:
        try:
            summary = import_run_dir(s, run_dir)
        except CallqaError as e:
            raise click.ClickException(str(e)) from e
    click.echo(f"{summary.calls} calls imported into {s.url}, {len(summary.errors)} files skipped")
    for name, why in summary.errors:
        click.echo(f"  skipped {name}: {why}", err=True)
    if summary.errors:
        sys.exit(3)


@store.command("info")
@click.argument("out", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.option("--store", "url", default=None, help="Store URL (instead of OUT).")
def info(out: Path | None, url: str | None) -> None:
    """Schema version, rows per table and the latest runs of OUT's store (or --store URL)."""
    with _opened(_existing(out, url)) as s:
        click.echo(f"store  {s.url}\nschema version {s.version}")
        for table, n in s.counts().items():
            click.echo(f"  {table:12s} {n:>10,d} rows")
        for run in s.runs():
            summary = run.get("summary")
            state = "finished" if run.get("finished_at") else "did not finish (killed, or running)"
            detail = ""
            if summary:
                import json

                d = json.loads(summary)
                detail = f": {d.get('ok')} ok, {d.get('failed')} failed, {d.get('skipped')} skipped"
            click.echo(f"  run {run['run_id']} started {run.get('started_at')} {state}{detail}")


@store.command("migrate")
@click.argument("out", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.option("--store", "url", default=None, help="Store URL (instead of OUT).")
def migrate(out: Path | None, url: str | None) -> None:
    """Bring OUT's store (or --store URL) to this callqa's schema.

    Every command that opens a store does this anyway; this one does only that, so a team can
    upgrade a shared PostgreSQL store at a quiet hour instead of at the night run's start.
    """
    with _opened(_existing(out, url)) as s:
        before, now = s.migrated_from, s.version
    if before == now:
        click.echo(f"{s.url}: schema version {now}, nothing to do")
    else:
        click.echo(f"{s.url}: schema version {before} → {now}")


def _existing(out: Path | None, url: str | None) -> str:
    """The store URL of OUT or --store; refuses an OUT without a store rather than create one there."""
    from store import default_url

    if url:
        return url
    if out is None:
        raise click.UsageError("give OUT (an output folder) or --store URL")
    if not (out / "callqa.db").exists():
        raise click.ClickException(f"{out} has no callqa.db: has a run written there?")
    return default_url(out)


class _opened:
    """Open a store for a command; its errors become the CLI's messages (exit 1)."""

    def __init__(self, url: str) -> None:
        self.url = url

    def __enter__(self) -> Any:
        from store import open_store

        try:
            self.store = open_store(self.url)
        except CallqaError as e:
            raise click.ClickException(str(e)) from e
        return self.store

    def __exit__(self, *exc: object) -> None:
        self.store.close()
