"""The ``callqa`` command: a thin layer over the Python API.

Exit codes: 0 all calls ok; 1 the command could not start or could not go on (another run holds
the output, the store cannot be opened, the disk is full); 2 bad usage; 3 the run finished but
some calls failed (each failed call's JSON says why).
"""

from __future__ import annotations

import logging
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import click

from qa import __version__
from qa.cli_audit import search, violations
from qa.cli_review import review
from qa.cli_scorecards import check_pattern, scorecards
from qa.cli_store import store
from qa.errors import CallqaError

EXIT_CALLS_FAILED = 3
_LANGUAGES_HINT = "auto, or a Whisper language code such as zh, en, yue"


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="callqa")
@click.option("-v", "--verbose", count=True, help="More log detail (-v info, -vv debug). Logs go to stderr.")
def main(verbose: int) -> None:
    """Offline speech quality inspection for contact-centre calls."""
    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    logging.basicConfig(level=level, format="%(asctime)s %(name)s %(levelname)s %(message)s", stream=sys.stderr)
    logging.getLogger("faster_whisper").setLevel(max(level, logging.WARNING))
    from pii.logfilter import install

    install()  # card, ID and phone numbers never reach a log line, whoever logs them


def _call_options(f: Any) -> Any:
    """The options every command that processes calls shares: ASR, speakers, masking."""
    for option in reversed(
        [
            click.option(
                "--diarization",
                type=click.Choice(["auto", "channels", "embedded", "pyannote"]),
                default="auto",
                show_default=True,
                help="auto: channels for stereo, embedded for mono.",
            ),
            click.option(
                "--model", default="base", show_default=True, help="base, tiny.en, a CTranslate2 folder, or a hub name."
            ),
            click.option("--language", default="auto", show_default=True, help=_LANGUAGES_HINT),
            click.option("--device", type=click.Choice(["auto", "cpu", "cuda"]), default="auto", show_default=True),
            click.option("--threads", type=int, default=0, help="CPU threads for ASR (0: all cores)."),
            click.option(
                "--batch-size", type=int, default=0, help="Whisper windows decoded together (0: 16 on GPU, 8 on CPU)."
            ),
            click.option(
                "--speakers", type=int, default=2, show_default=True, help="Speakers in a mono call; 0 counts them."
            ),
            click.option(
                "--channel-map", default=None, help="Roles of the channels of stereo calls, e.g. agent,customer."
            ),
            click.option(
                "--company", multiple=True, help="Company name the agent says when answering (role evidence)."
            ),
            click.option(
                "--pyannote-pipeline", default=None, help="pyannote pipeline: local folder/config.yaml or hub name."
            ),
            click.option(
                "--pyannote-token", default=None, envvar="HF_TOKEN", help="Hub token, only for a hub pipeline name."
            ),
            click.option(
                "--mask",
                type=click.Choice(["tag", "last4"]),
                default="tag",
                show_default=True,
                help="How sensitive data is masked: [BANK_CARD], or [BANK_CARD …7890] for long numbers.",
            ),
            click.option(
                "--no-ner", is_flag=True, help="Numbers and emails only: no name or place detection (faster)."
            ),
            click.option(
                "--fill",
                type=click.Choice(["tone", "silence"]),
                default="tone",
                show_default=True,
                help="What covers sensitive words in redacted audio.",
            ),
        ]
    ):
        f = option(f)
    return f


@main.command()
@click.argument("inputs", nargs=-1, type=click.Path(path_type=Path))
@click.option("--out", "-o", required=True, type=click.Path(file_okay=False, path_type=Path), help="Output folder.")
@_call_options
@click.option(
    "--rules", "rules_pack", default=None, help="Rule pack: a bundled name (bank-zh, bank-en) or a YAML file."
)
@click.option("--scorecard", type=click.Path(dir_okay=False, path_type=Path), help="Scorecard YAML beside the pack.")
@click.option(
    "--manifest",
    type=click.Path(dir_okay=False, path_type=Path),
    help="CSV or JSONL of calls: path, call_id, agent_id, team, queue, started_at, channel_map, language.",
)
@click.option(
    "--filename-pattern",
    help="Metadata from file names, e.g. {started_at}_{agent_id}_{call_id}, or re:REGEX with named groups.",
)
@click.option("--no-emotion", is_flag=True, help="Skip emotion scoring.")
@click.option(
    "--workers",
    type=click.IntRange(min=0),
    default=1,
    show_default=True,
    help="Worker processes (or Ray actors), each with its own models; 0: one per GPU, else cores // 4.",
)
@click.option(
    "--executor", type=click.Choice(["local", "ray"]), default="local", show_default=True, help="Where workers run."
)
@click.option("--address", default=None, help="Ray cluster to join: auto or HOST:PORT (default: start one here).")
@click.option(
    "--call-timeout",
    type=click.FloatRange(min=0),
    default=1800.0,
    show_default=True,
    help="Seconds one call may take before it is stopped, tried once more, then failed (0: no limit).",
)
@click.option("--force", is_flag=True, help="Process every call again from the audio, even when it is done.")
@click.option(
    "--store", "store_url", default=None, help="Results store URL (default: sqlite OUT/callqa.db; postgresql://…)."
)
@click.option("--log-json", is_flag=True, help="Progress and log lines as JSON objects on stderr, for log shippers.")
@click.option("--redact-audio", is_flag=True, help="Also write OUT/audio/<call_id>.<ext> with sensitive words covered.")
@click.option(
    "--write-unredacted",
    is_flag=True,
    help="Also write OUT/unredacted/<call_id>.json with the words as heard (mode 0600). Handle with care.",
)
def run(inputs: tuple[Path, ...], out: Path, **kw: Any) -> None:
    """Transcribe calls, find sensitive data, score emotion, check rules and score each call.

    INPUTS are audio files (wav, mp3, flac, ogg, m4a, opus), transcript JSON files, or folders
    searched recursively (or none, with --manifest). Writes OUT/calls/<call_id>.json (masked),
    OUT/calls/<call_id>.rttm, the store (OUT/callqa.db unless --store) and OUT/runs/<run_id>.json.

    Run it again to resume: calls already done with the same audio, settings, model and pack are
    skipped; a changed pack re-scores stored transcripts without ASR; failed calls are retried.
    """
    from qa.progress import log_as_json, reporter
    from qa.run import BatchOptions, run_batch

    if kw["log_json"]:
        log_as_json()
    manifest = _manifest(kw["manifest"], kw["filename_pattern"])
    if not inputs and manifest is None:
        raise click.UsageError("give INPUTS (files or folders) or --manifest")
    if kw["address"] and kw["executor"] != "ray":
        raise click.UsageError("--address goes with --executor ray")
    batch = BatchOptions(
        workers=kw["workers"] or _auto_workers(kw["device"]),
        executor=kw["executor"],
        address=kw["address"],
        call_timeout_s=kw["call_timeout"] or None,
        force=kw["force"],
        store=kw["store_url"],
        redact_audio=_audio_options(kw, kw["redact_audio"]),
    )
    try:
        options = _pipeline_options(kw)
        with reporter("json" if kw["log_json"] else "auto") as progress:
            summary = run_batch(
                list(inputs),
                out,
                options,
                progress=progress,
                manifest=manifest,
                filename_pattern=kw["filename_pattern"],
                batch=batch,
            )
    except CallqaError as e:
        raise click.ClickException(_masked(str(e))) from e
    _report(summary, out, kw["log_json"])


def _auto_workers(device: str) -> int:
    """One worker per GPU on a GPU box; on CPUs, four threads each (where ASR stops gaining)."""
    import os

    from qa.pipeline import PipelineOptions
    from qa.run import cuda_devices

    if device != "cpu":
        from asr import AsrOptions

        gpus = cuda_devices(PipelineOptions(asr=AsrOptions(device=device)))
        if gpus:
            return len(gpus)
    return max(1, (os.cpu_count() or 1) // 4)


@main.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--out", "-o", required=True, type=click.Path(file_okay=False, path_type=Path), help="Output folder.")
@_call_options
def redact(inputs: tuple[Path, ...], out: Path, **kw: Any) -> None:
    """Mask sensitive data, and nothing else: transcripts and audio.

    INPUTS are audio files, transcript JSON files or folders. Writes OUT/calls/<call_id>.json
    (the transcript, masked) and, for audio, OUT/audio/<call_id>.<ext> (same format and length,
    a tone or silence over every sensitive word).
    """
    from qa.progress import reporter
    from qa.run import BatchOptions, run_batch

    kw.update(rules_pack=None, scorecard=None, no_emotion=True, write_unredacted=False)
    try:
        options = _pipeline_options(kw)
        batch = BatchOptions(workers=1, call_timeout_s=1800.0, redact_audio=_audio_options(kw, True))
        with reporter() as progress:
            summary = run_batch(list(inputs), out, options, progress=progress, batch=batch)
    except CallqaError as e:
        raise click.ClickException(_masked(str(e))) from e
    _report(summary, out)


def _report(summary: Any, out: Path, as_json: bool = False) -> None:
    if as_json:
        import json

        click.echo(json.dumps({"event": "run.summary", **summary.to_dict()}, ensure_ascii=False), err=True)
    else:
        rescored = f" ({summary.rescored} re-scored only)" if summary.rescored else ""
        click.echo(
            f"{summary.calls} calls: {summary.ok} ok{rescored}, {summary.failed} failed, {summary.skipped} skipped "
            f"(done before); {summary.audio_s / 60:.1f} min of audio in {summary.wall_s:.1f} s "
            f"({summary.realtime_factor:.1f}x real time), {summary.pii} sensitive items masked → {out / 'calls'}",
            err=True,
        )
        for code, n in sorted(summary.errors.items()):
            click.echo(f"  {n} × {code}", err=True)
        if summary.top_rules:
            top = ", ".join(f"{rule} {n}" for rule, n in summary.top_rules[:5])
            click.echo(f"  most findings: {top}", err=True)
        record = out / "runs" / f"{summary.run_id}.json"
        click.echo(f"  run {summary.run_id}: {record}; store {summary.store}", err=True)
    if summary.failed:
        sys.exit(EXIT_CALLS_FAILED)


def _masked(message: str) -> str:
    """Messages can quote inputs (a path, a manifest cell): card and phone numbers are masked."""
    from pii.detect import scrub

    return scrub(message)


def _manifest(path: Path | None, pattern: str | None) -> Any:
    """The manifest, read and checked (bad rows are reported and skipped); the pattern, checked."""
    from batch.metadata import read_manifest

    check_pattern(pattern)
    if path is None:
        return None
    try:
        manifest = read_manifest(path)
    except ValueError as e:
        raise click.BadParameter(str(e), param_hint="--manifest") from e
    for line, problem in manifest.errors:
        click.echo(_masked(f"{path.name}:{line}: skipped: {problem}"), err=True)
    return manifest


def _audio_options(kw: dict[str, Any], wanted: bool) -> Any:
    from pii.audio import AudioRedactOptions

    return AudioRedactOptions(fill=kw["fill"]) if wanted else None


def _pipeline_options(kw: dict[str, Any]) -> Any:
    from asr import AsrOptions
    from diarize import DiarizeOptions, RoleOptions, parse_channel_map
    from qa.pipeline import PipelineOptions

    try:
        channel_map = parse_channel_map(kw["channel_map"]) if kw["channel_map"] else None
    except ValueError as e:
        raise click.BadParameter(str(e), param_hint="--channel-map") from e
    diarize = DiarizeOptions(
        method=kw["diarization"],
        num_speakers=kw["speakers"],
        pyannote_pipeline=kw["pyannote_pipeline"],
        pyannote_token=kw["pyannote_token"],
    )
    try:
        diarize.validate()
    except CallqaError as e:
        raise click.UsageError(e.message) from e
    from pii.detect import PiiOptions
    from pii.redact import RedactOptions
    from qa.analyse import AnalysisOptions
    from scoring.emotion import EmotionOptions

    pack = None
    if kw["rules_pack"]:
        from rules import load_pack

        pack = load_pack(kw["rules_pack"])
        if kw["scorecard"]:
            from scoring.scorecard import load_scorecard

            pack = replace(pack, scorecard=load_scorecard(kw["scorecard"], pack))
    elif kw["scorecard"]:
        raise click.UsageError("--scorecard goes with --rules: it weighs that pack's sections")
    analysis = AnalysisOptions(
        rules=pack,
        pii=PiiOptions(ner=not kw["no_ner"], allow=tuple(kw["company"])),
        redact=RedactOptions(mask=kw["mask"]),
        emotion=None if kw["no_emotion"] else EmotionOptions(),
        keep_unredacted=kw["write_unredacted"],
    )
    return PipelineOptions(
        analysis=analysis,
        asr=AsrOptions(
            model=kw["model"],
            device=kw["device"],
            cpu_threads=kw["threads"],
            batch_size=kw["batch_size"],
            language=None if kw["language"] == "auto" else kw["language"],
        ),
        diarize=diarize,
        roles=RoleOptions(channel_map=channel_map, company_names=tuple(kw["company"])),
    )


@main.command()
@click.option("--verify/--no-verify", default=True, show_default=True, help="Re-hash every bundled model.")
def models(verify: bool) -> None:
    """List the bundled speech models and check them, offline."""
    from asr import BUNDLED, verify_bundled

    bad = 0
    for name, m in BUNDLED.items():
        if verify:
            ok, detail = verify_bundled(name)
            bad += not ok
            state = "ok" if ok else "BROKEN"
        else:
            state, detail = "-", ""
        click.echo(f"{name:8s} {state:6s} {m.size / 1e6:6.1f} MB  {m.description}  {detail}")
    click.echo("Also accepted by --model: a local CTranslate2 Whisper folder (e.g. large-v3), or a hub name.")
    if bad:
        sys.exit(1)


@main.group()
def rules() -> None:
    """Rule packs: list, check and test them."""


@rules.command("list")
@click.argument("pack", required=False)
def rules_list(pack: str | None) -> None:
    """List the bundled packs, or the rules of PACK (a bundled name or a YAML file)."""
    from rules import bundled_packs

    names = [pack] if pack else sorted(bundled_packs())
    for name in names:
        p = _pack(name)
        click.echo(
            f"{p.name} {p.version} ({p.language or 'any language'}, {len(p.rules)} rules, sha256 {p.sha256[:12]}…)"
        )
        if pack:
            for r in p.rules:
                flag = " AUTO-FAIL" if r.auto_fail else ""
                click.echo(
                    f"  {r.id:28s} {r.severity:8s} {r.points:+6g} {r.section:13s} {r.mode:7s}{flag}  {r.description}"
                )
        else:
            click.echo(f"  {p.description}")


@rules.command("check")
@click.argument("pack")
def rules_check(pack: str) -> None:
    """Validate PACK: every error names the file, line and rule."""
    p = _pack(pack)
    needs = ", ".join(sorted(p.requires)) or "nothing"
    click.echo(f"{p.name} {p.version}: {len(p.rules)} rules, {len(p.tests)} test cases, OK (needs from calls: {needs})")


@rules.command("test")
@click.argument("pack")
def rules_test(pack: str) -> None:
    """Run the test cases written in PACK; exit 1 if any fails."""
    from rules import run_pack_tests

    p = _pack(pack)
    results = run_pack_tests(p)
    for r in results:
        click.echo(f"{'PASS' if r.passed else 'FAIL'} {r.name}")
        for problem in r.problems:
            click.echo(f"     line {r.line}: {problem}")
    failed = sum(not r.passed for r in results)
    click.echo(f"{len(results) - failed} passed, {failed} failed")
    if failed or not results:
        sys.exit(1)


def _pack(spec: str) -> Any:
    """Load a pack for a command, or stop with its precise error (file, line, rule)."""
    from rules import load_pack

    try:
        return load_pack(spec)
    except CallqaError as e:
        raise click.ClickException(_masked(str(e))) from e


main.add_command(scorecards)
main.add_command(store)
main.add_command(violations)
main.add_command(search)
main.add_command(review)
