"""Domain errors with stable codes.

A code names what went wrong in a way scripts can rely on (``audio.decode``); the message says
it for a person. Messages never quote transcript text, so they cannot leak what was said.
"""

from __future__ import annotations

# Every code the pipeline can put in a call's ``error`` (documented in the README).
CODES: dict[str, str] = {
    "input.not_found": "the input path does not exist",
    "input.unreadable": "the input exists but cannot be read (permissions, a folder, a broken link)",
    "input.unsupported": "the file is neither audio nor a transcript JSON",
    "audio.empty": "the file has zero bytes",
    "audio.not_audio": "the file is not audio in any format we can decode",
    "audio.decode": "decoding failed part-way (corrupt data)",
    "audio.truncated": "the file ends before its header says it should",
    "audio.sample_rate": "the sample rate is below 8 kHz",
    "audio.silent": "no speech was found on any channel",
    "transcript.invalid": "a transcript JSON does not match the utterance schema",
    "asr.model": "the speech recognition model could not be found or loaded",
    "asr.failed": "speech recognition failed on this call",
    "diarize.failed": "speaker separation failed on this call",
    "diarize.config": "the speaker-separation settings are invalid",
    "rules.invalid": "a rule pack is not valid (the message names file, line and rule)",
    "rules.input": "the rule pack needs something this call does not provide (times, roles)",
    "worker.died": "the worker process died on this call twice (a crash or an out-of-memory kill)",
    "call.timeout": "the call ran past the per-call timeout twice (--call-timeout)",
    "output.unreadable": "the stored result a re-score starts from cannot be read",
    "output.write_failed": "an output file or the store could not be written (e.g. the disk is full)",
    "run.locked": "another run holds the output folder or the store",
    "store.open": "the results store cannot be opened or reached",
    "store.schema": "the results store has a schema this callqa cannot use",
    "internal": "an unexpected error; the message names its type",
}


class CallqaError(Exception):
    """An error with a stable ``code`` from :data:`CODES` and a readable message."""

    def __init__(self, code: str, message: str) -> None:
        if code not in CODES:
            raise ValueError(f"unknown error code {code!r}")
        super().__init__(message)
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return f"[{self.code}] {self.message}"
