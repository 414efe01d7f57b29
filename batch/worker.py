"""What one worker does with one call: the whole pipeline, or only the rules and score again.

A :class:`CallWorker` is built once per worker process (or Ray actor) and holds the loaded
models for every call it is given. It never raises for a bad call: the call comes back failed
with a coded error. Results go back to the run, which alone writes the call's JSON and store
rows; the masked audio copy (large, and only the worker has the samples) is written here.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from batch.discover import CallSource
from pii.audio import AudioRedactOptions
from qa.pipeline import Pipeline, PipelineOptions, Processed

Mode = Literal["full", "rescore"]


@dataclass(frozen=True)
class Task:
    """One call to process. ``rescore``: rules and score again on the call's stored masked result."""

    index: int
    source: CallSource
    mode: Mode = "full"
    prior: Path | None = None  # the stored calls/<id>.json a rescore starts from
    overrule: tuple[tuple[str, float | None], ...] = ()  # findings coaches disagreed with: no points


@dataclass(frozen=True)
class WorkerSetup:
    """Everything a worker needs to build itself; picklable, so it travels to processes and actors."""

    options: PipelineOptions
    out: Path
    redact_audio: AudioRedactOptions | None = None
    threads: int = 0  # CPU threads for this worker's models (0: the library's default)


class CallWorker:
    def __init__(self, setup: WorkerSetup, pipeline: Pipeline | None = None) -> None:
        self.setup = setup
        self.pipeline = pipeline or Pipeline(setup.options)  # a given pipeline keeps its loaded models

    def process(self, task: Task) -> Processed:
        if task.mode == "rescore" and task.prior is not None:
            from batch.rescore import rescore

            return rescore(task.prior, task.source, self.setup.options, task.overrule)
        processed = self.pipeline.process(task.source, task.overrule)
        audio = self.setup.redact_audio
        if audio is not None and processed.result.status == "ok" and task.source.kind == "audio":
            from qa.run import redact_call_audio

            processed = Processed(
                redact_call_audio(task.source, processed.result, self.setup.out, audio),
                processed.turns,
                processed.unredacted,
            )
        return processed


def limit_threads(threads: int) -> None:
    """Before the numeric libraries load: each worker gets its share of the cores, no more."""
    if threads > 0:
        for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
            os.environ[name] = str(threads)
