"""A run: many calls through workers, each result written once to JSON and to the store.

The Python API behind ``callqa run``. What a run guarantees, whatever happens to it:

- one run at a time per output folder and per store (a lock naming its holder);
- a call's JSON is written to a temporary name and renamed, then its store rows go in one
  transaction, so ``kill -9`` at any moment leaves every call either done or not started;
- the same command again skips what is done (same audio, settings, model and pack), re-scores
  what only a pack change touched, and processes the rest.

Progress goes to a callback, never to stdout.
"""

from __future__ import annotations

import errno
import logging
import os
import time
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from batch import CallSource, discover
from batch.executor import Executor
from batch.metadata import Manifest
from pii.audio import AudioRedactOptions
from qa.errors import CallqaError
from qa.model import CallResult, Issue
from qa.outputs import write_call, write_json, write_private
from qa.pipeline import Pipeline, PipelineOptions, Processed
from rules import RulePack

log = logging.getLogger("callqa.run")

Event = Literal["start", "done", "skip"]


@dataclass(frozen=True)
class Tally:
    """Where the run stands, for progress bars and log lines."""

    total: int
    ok: int = 0
    failed: int = 0
    skipped: int = 0
    audio_s: float = 0.0  # audio processed by this run (skipped calls not counted)
    wall_s: float = 0.0

    @property
    def done(self) -> int:
        return self.ok + self.failed + self.skipped

    @property
    def realtime_factor(self) -> float:
        return self.audio_s / self.wall_s if self.wall_s else 0.0

    @property
    def eta_s(self) -> float | None:
        worked = self.ok + self.failed
        if not worked:
            return None
        return (self.total - self.done) * self.wall_s / worked


Progress = Callable[[Event, CallSource, CallResult | None, Tally], None]
"""Called with ("start" | "done" | "skip", source, result or None, tally so far)."""


@dataclass(frozen=True)
class BatchOptions:
    """How a run is carried out; none of it changes any call's result."""

    workers: int = 0  # 0: in this process (no isolation); N: N worker processes or Ray actors
    executor: Literal["local", "ray"] = "local"
    address: str | None = None  # Ray: None starts a cluster here; "auto" or HOST:PORT joins one
    call_timeout_s: float | None = None  # a call past this is stopped, tried once more, then failed
    force: bool = False  # process every call again, from the audio
    store: str | None = None  # SQLAlchemy URL; None: sqlite OUT/callqa.db
    redact_audio: AudioRedactOptions | None = None  # also write OUT/audio/<call_id>.<ext>, masked


@dataclass(frozen=True)
class RunSummary:
    run_id: str
    started_at: str
    calls: int
    ok: int
    failed: int
    audio_s: float
    wall_s: float
    errors: dict[str, int] = field(default_factory=dict)
    pii: int = 0  # sensitive items masked, over the calls processed
    skipped: int = 0  # already done with the same keys
    rescored: int = 0  # rules and score only (the pack changed)
    top_rules: tuple[tuple[str, int], ...] = ()
    store: str = ""

    @property
    def realtime_factor(self) -> float:
        """Seconds of audio processed per second of wall time."""
        return self.audio_s / self.wall_s if self.wall_s else 0.0

    def to_dict(self) -> dict[str, Any]:
        processed = self.calls - self.skipped
        return {
            "run_id": self.run_id,
            "started_at": self.started_at,
            "calls": self.calls,
            "ok": self.ok,
            "failed": self.failed,
            "skipped": self.skipped,
            "rescored": self.rescored,
            "audio_s": round(self.audio_s, 3),
            "audio_hours": round(self.audio_s / 3600, 4),
            "wall_s": round(self.wall_s, 3),
            "realtime_factor": round(self.realtime_factor, 2),
            "calls_per_hour": round(processed * 3600 / self.wall_s, 1) if self.wall_s else 0.0,
            "errors": self.errors,
            "pii_masked": self.pii,
            "top_rules": [{"rule_id": r, "findings": n} for r, n in self.top_rules],
            "store": self.store,
        }


def run_batch(
    inputs: Sequence[Path],
    out: Path,
    options: PipelineOptions | None = None,
    progress: Progress | None = None,
    pipeline: Pipeline | None = None,
    redact_audio: AudioRedactOptions | None = None,
    manifest: Manifest | None = None,
    filename_pattern: str | None = None,
    batch: BatchOptions | None = None,
) -> RunSummary:
    """Process every call found under ``inputs``; write ``out/calls/*``, the store and a run record.

    ``pipeline`` reuses loaded models in this process (tests, notebooks); otherwise ``batch``
    says how many workers and where. Raises :class:`CallqaError` when the run cannot start
    (``run.locked``, ``store.*``, ``rules.input``) or cannot write (``output.write_failed``);
    everything written before such an error stays valid, and the same call again resumes.
    """
    batch = batch or BatchOptions()
    if redact_audio is not None:
        batch = replace(batch, redact_audio=redact_audio)
    options = pipeline.options if pipeline is not None else (options or PipelineOptions())
    sources = discover(inputs, manifest, filename_pattern)
    return _Run(out, options, batch, pipeline, progress).go(sources, manifest)


class _Run:
    def __init__(
        self,
        out: Path,
        options: PipelineOptions,
        batch: BatchOptions,
        pipeline: Pipeline | None,
        progress: Progress | None,
    ) -> None:
        self.out, self.options, self.batch, self.pipeline, self.progress = out, options, batch, pipeline, progress
        self.run_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:6]
        self.started_at = datetime.now(UTC).isoformat(timespec="seconds")

    def go(self, sources: list[CallSource], manifest: Manifest | None) -> RunSummary:
        from batch.lock import FileLock, Holder
        from store import default_url, open_store

        t0 = time.perf_counter()
        holder = Holder.me(self.run_id)
        self.holder = holder.to_dict()
        try:
            self.out.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise CallqaError("output.write_failed", f"cannot create the output folder: {e.strerror}") from e
        with FileLock(self.out / ".callqa.lock", holder):
            _remove_partial_files(self.out)
            store = open_store(self.batch.store or default_url(self.out))
            try:
                store.acquire(holder)
                try:
                    return self._with_store(store, sources, manifest, t0)
                finally:
                    store.release()
            finally:
                store.close()

    def _with_store(self, store: Any, sources: list[CallSource], manifest: Manifest | None, t0: float) -> RunSummary:
        from batch.keys import model_identity, run_keys

        keys = run_keys(self.options, model_identity(self.options), self.batch.redact_audio)
        from audit.verdicts import overrules

        plan = _plan(sources, store.known(), keys, self.out, self.batch.force, overrules(store))
        if self.options.rules is not None:  # only what will be processed: a re-run reads no finished call
            preflight([p.source for p in plan if p.task is not None and p.task.mode == "full"], self.options.rules)
        record: dict[str, Any] = {"run_id": self.run_id, "started_at": self.started_at, "holder": self.holder}
        record["options"] = _describe(self.options)
        record["batch"] = {"workers": self.batch.workers, "executor": self.batch.executor, "force": self.batch.force}
        if manifest is not None:
            from pii.detect import scrub

            errors_by_line = [[line, scrub(problem)] for line, problem in manifest.errors]
            record["manifest"] = {"path": str(manifest.path), "rows": len(manifest.rows), "errors": errors_by_line}
        store.start_run(self.run_id, record)

        tally = Tally(len(sources))
        errors: Counter[str] = Counter()
        rules: Counter[str] = Counter()
        masked = rescored = 0
        for planned in plan:
            if planned.skip:
                tally = replace(tally, skipped=tally.skipped + 1, wall_s=time.perf_counter() - t0)
                self._tell("skip", planned.source, None, tally)
        tasks = [p for p in plan if not p.skip]
        executor = self._executor()
        self.tally = tally
        try:
            for outcome in executor.run(
                (p.task for p in tasks), lambda task, worker: self._tell("start", task.source, None, self.tally)
            ):
                planned = tasks[outcome.task.index]
                result = self._save(store, planned, outcome.processed)
                masked += len(result.pii)
                rescored += planned.task.mode == "rescore"
                if result.status == "ok":
                    audio = result.audio.duration_s if result.audio and planned.task.mode == "full" else 0.0
                    tally = replace(tally, ok=tally.ok + 1, audio_s=tally.audio_s + audio)
                    rules.update(str(f.get("rule_id")) for f in result.findings)
                else:
                    tally = replace(tally, failed=tally.failed + 1)
                    errors[result.error.code if result.error else "internal"] += 1
                tally = self.tally = replace(tally, wall_s=time.perf_counter() - t0)
                self._tell("done", planned.source, result, tally)
        finally:
            executor.close()

        summary = RunSummary(
            run_id=self.run_id,
            started_at=self.started_at,
            calls=len(sources),
            ok=tally.ok,
            failed=tally.failed,
            audio_s=tally.audio_s,
            wall_s=time.perf_counter() - t0,
            errors=dict(errors),
            pii=masked,
            skipped=tally.skipped,
            rescored=rescored,
            top_rules=tuple(rules.most_common(10)),
            store=store.url,
        )
        record.update(summary.to_dict(), finished_at=datetime.now(UTC).isoformat(timespec="seconds"))
        _writing(lambda: write_json(self.out / "runs" / f"{self.run_id}.json", record))
        _writing(lambda: write_json(self.out / "run.json", record))  # the latest run, where it always was
        _writing(lambda: store.finish_run(self.run_id, summary.to_dict()))
        return summary

    def _executor(self) -> Executor:
        from batch.executor import InlineExecutor, threads_per_worker
        from batch.worker import CallWorker, WorkerSetup

        workers = self.batch.workers
        options = self.options
        threads = threads_per_worker(workers) if workers else 0
        if workers and options.asr.cpu_threads == 0:
            options = replace(options, asr=replace(options.asr, cpu_threads=threads))
        setup = WorkerSetup(options, self.out, self.batch.redact_audio, threads)
        if self.pipeline is not None or workers == 0:
            return InlineExecutor(setup, CallWorker(setup, self.pipeline))
        if self.batch.executor == "ray":
            from batch.ray_executor import RayExecutor

            gpus = 1.0 if cuda_devices(options) else 0.0
            return RayExecutor(
                setup, workers, address=self.batch.address, timeout_s=self.batch.call_timeout_s, gpus_per_worker=gpus
            )
        from batch.local_executor import LocalExecutor

        return LocalExecutor(setup, workers, timeout_s=self.batch.call_timeout_s, gpus=cuda_devices(options))

    def _save(self, store: Any, planned: _Planned, processed: Processed) -> CallResult:
        """The call's JSON (renamed into place), then its store rows in one transaction."""
        from audit.verdicts import digest

        result = processed.result
        # the worker hashed what it read: a new call's key, or a file that changed mid-run
        sha = result.source.sha256 or planned.sha256
        work_key = planned.keys.work_key(sha, dict(planned.source.metadata)) if sha else None
        versions = {**result.versions, "run_id": self.run_id}
        if work_key:
            rules_key = planned.keys.rules_key(work_key, _meta(planned.source), digest(planned.task.overrule))
            versions |= {"work_key": work_key, "rules_key": rules_key}
        result = result.with_(versions=versions)
        out = self.out

        def write() -> None:
            if processed.unredacted is not None:
                write_private(out / "unredacted" / f"{result.call_id}.json", processed.unredacted.to_dict())
            write_call(out, result, processed.turns, rttm=planned.task.mode == "full")
            store.save_call(result.to_dict(), run_id=self.run_id, size=planned.size, mtime_ns=planned.mtime_ns)

        _writing(write)
        return result

    def _tell(self, event: Event, source: CallSource, result: CallResult | None, tally: Tally) -> None:
        if self.progress:
            self.progress(event, source, result, tally)


@dataclass(frozen=True)
class _Planned:
    source: CallSource
    task: Any  # batch.worker.Task
    keys: Any  # batch.keys.RunKeys
    skip: bool = False
    sha256: str | None = None
    size: int | None = None
    mtime_ns: int | None = None


def _plan(
    sources: list[CallSource],
    known: dict[str, Any],
    keys: Any,
    out: Path,
    force: bool,
    overrules: dict[str, tuple[tuple[str, float | None], ...]],
) -> list[_Planned]:
    """Skip, re-score or process each call, from the store's record of it and the file's stat.

    The audio's sha256 is taken from the store when the file's path, size and modification time
    are unchanged (so a re-run of 10,000 finished calls reads no audio), and hashed otherwise;
    a call the store has not finished is not hashed here at all (its worker does).
    """
    from audit.verdicts import digest
    from batch.worker import Task
    from qa.audio import sha256_of

    plan = []
    index = 0
    for source in sources:
        before = known.get(source.call_id)
        path = str(source.path.absolute())
        size: int | None = None
        mtime: int | None = None
        try:
            st = source.path.stat()
            size, mtime = st.st_size, st.st_mtime_ns
        except OSError:
            pass
        sha = None
        if size is not None and before is not None and before.status == "ok" and not force:
            # only a call done before can be skipped: a new one is hashed by its worker, not here
            same_file = (before.source_path, before.size, before.mtime_ns) == (path, size, mtime)
            try:
                sha = before.sha256 if same_file and before.sha256 else sha256_of(source.path)
            except OSError:
                sha = None
        work_key = keys.work_key(sha, dict(source.metadata)) if sha else None
        prior = out / "calls" / f"{source.call_id}.json"
        overrule = overrules.get(source.call_id, ())
        done_before = not force and before is not None and before.status == "ok" and work_key is not None
        if done_before and before and work_key and before.work_key == work_key and prior.exists():
            rules_key = keys.rules_key(work_key, _meta(source), digest(overrule))
            if before.rules_key == rules_key:
                plan.append(_Planned(source, None, keys, True, sha, size, mtime))
                continue
            task = Task(index, source, "rescore", prior, overrule)
        else:
            task = Task(index, source, overrule=overrule)
        plan.append(_Planned(source, task, keys, False, sha, size, mtime))
        index += 1
    return plan


def _meta(source: CallSource) -> dict[str, Any]:
    from qa.analyse import scrub_metadata

    return scrub_metadata(source.metadata)


def _writing(write: Callable[[], None]) -> None:
    """Output that cannot be written stops the run: a full disk would fail every call after it."""
    try:
        write()
    except OSError as e:
        what = "the output disk is full" if e.errno == errno.ENOSPC else f"{e.strerror or type(e).__name__}"
        raise CallqaError(
            "output.write_failed",
            f"cannot write results ({what}); calls finished before this are kept: "
            "run the same command again once this is fixed",
        ) from e
    except CallqaError:
        raise
    except Exception as e:  # the store's driver errors (a full disk under the database, a lost server)
        raise CallqaError(
            "output.write_failed",
            f"cannot write to the store ({type(e).__name__}); calls finished before this are kept: "
            "run the same command again once this is fixed",
        ) from e


def _remove_partial_files(out: Path) -> None:
    """Temporary files a killed run left half-written; nobody else writes here while we hold the lock."""
    for folder in ("calls", "audio", "unredacted", "runs", "."):
        d = out / folder
        if d.is_dir():
            for tmp in d.glob(".*.tmp"):
                tmp.unlink(missing_ok=True)


def cuda_devices(options: PipelineOptions) -> list[str]:
    """One worker per GPU: the visible CUDA devices when ASR runs on CUDA."""
    if options.asr.device == "cpu":
        return []
    try:
        import ctranslate2

        count = ctranslate2.get_cuda_device_count()
    except Exception:
        return []
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    ids = [v for v in visible.split(",") if v] if visible else [str(i) for i in range(count)]
    return ids[:count]


def redact_call_audio(source: CallSource, result: CallResult, out: Path, options: AudioRedactOptions) -> CallResult:
    """A failed audio copy is a warning on the call: its transcript and findings still stand."""
    from pii.audio import redact_audio
    from pii.detect import scrub

    spans = [(float(p["start"]), float(p["end"]), p.get("channel")) for p in result.pii]
    try:
        redact_audio(
            source.path, out / "audio" / f"{result.call_id}{source.path.suffix.lower() or '.wav'}", spans, options
        )
    except Exception as e:
        issue = Issue("audio.redact_failed", scrub(f"no redacted audio: {type(e).__name__}: {str(e)[:200]}"))
        return result.with_(warnings=(*result.warnings, issue))
    return result


def preflight(sources: Sequence[CallSource], pack: RulePack) -> None:
    """Refuse a run, before it starts, whose transcripts lack what the pack's rules need."""
    from qa.transcript_input import load_transcript, provides

    lacking: dict[str, list[str]] = {}
    for source in sources:
        if source.kind != "transcript":
            continue  # audio provides times, roles and words
        try:
            result = load_transcript(source.path, source.call_id, {})
        except CallqaError:
            continue  # reported as that call's own failure
        for need in sorted(pack.requires - provides(result)):
            lacking.setdefault(need, []).append(source.path.name)
    if lacking:
        parts = [
            f"{need} (missing in {', '.join(names[:5])}{' …' if len(names) > 5 else ''})"
            for need, names in lacking.items()
        ]
        raise CallqaError("rules.input", f"rule pack {pack.name} needs {'; '.join(parts)}; nothing was processed")


def _describe(options: PipelineOptions) -> dict[str, Any]:
    from dataclasses import asdict

    d = asdict(replace(options, analysis=replace(options.analysis, rules=None)))
    pack = options.rules
    d["analysis"]["rules"] = {"pack": pack.identity, "path": pack.path} if pack else None
    d["analysis"]["pii"]["entities"] = sorted(options.analysis.pii.entities)
    d["diarize"].pop("pyannote_token", None)  # a secret never goes into outputs
    d["roles"].pop("agent_phrases", None)
    d["roles"].pop("customer_phrases", None)
    return d
