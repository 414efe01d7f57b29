"""``callqa review OUT --out SITE``: the static review site (mounted by ``qa.cli_review``)."""

from __future__ import annotations

from pathlib import Path

import click

from qa.errors import CallqaError


@click.command("build")
@click.argument("source", metavar="OUT", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--store", "store_url", envvar="CALLQA_STORE", help="A store URL instead of OUT (its audio is then not included)."
)
@click.option(
    "--out", "out", required=True, type=click.Path(file_okay=False, path_type=Path), help="The site folder to write."
)
@click.option("--lang", type=click.Choice(["en", "zh"]), default="en", show_default=True, help="Language of the pages.")
@click.option(
    "--original-audio",
    is_flag=True,
    help="Put the ORIGINAL, unredacted recordings in the site instead of the masked copies.",
)
@click.option("--since", help="Calls that started on or after this date (2026-11-01).")
@click.option("--until", help="Calls that started on or before this date (a bare date includes the day).")
def build(
    source: Path | None,
    store_url: str | None,
    out: Path,
    lang: str,
    original_audio: bool,
    since: str | None,
    until: str | None,
) -> None:
    """Write a static site for coaches: open SITE/index.html (no server, no network needed).

    OUT is a run's output folder: its store (OUT/callqa.db) and masked audio (OUT/audio).
    """
    from qa.cli_audit import store_url as resolve
    from review import build_site
    from store import open_store

    if source is None and not store_url:
        raise click.UsageError("give a run's output folder (OUT) or --store URL")
    if source is not None and not store_url and not (source / "callqa.db").exists():
        raise click.BadParameter(f"{source} has no callqa.db: give the folder a run wrote (--out)", param_hint="OUT")
    if original_audio:
        click.echo("warning: the site will hold the ORIGINAL, unredacted recordings", err=True)
    url = resolve(store_url) if store_url else resolve(str(source))
    try:
        store = open_store(url)
    except CallqaError as e:
        raise click.ClickException(str(e)) from e
    try:
        summary = build_site(
            store, out, run_dir=source, lang=lang, original_audio=original_audio, since=since, until=until
        )
    except ValueError as e:
        raise click.BadParameter(str(e)) from e
    finally:
        store.close()
    click.echo(
        f"review site: {summary.calls} calls, {summary.agents} agents, {summary.pages} pages, "
        f"{summary.audio_files} audio files, {summary.bytes / 1e6:.1f} MB in {summary.seconds:.1f} s"
        f" → {out / 'index.html'}"
    )
