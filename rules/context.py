"""What every condition sees of a call, and what a condition answers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pii.model import Entity
from qa.model import Utterance
from rules.normalize import Normalized


@dataclass(frozen=True)
class CallContext:
    """One call, prepared once: utterances in time order, each normalized, plus metrics."""

    utterances: tuple[Utterance, ...]
    normalized: tuple[Normalized, ...]
    duration: float
    language: str | None
    metrics: Mapping[str, Any] = field(default_factory=dict)
    entities: tuple[Entity, ...] = ()  # sensitive data found; Entity.utterance indexes ``utterances``


@dataclass(frozen=True)
class Hit:
    """A place in the call: where a condition matched, or where it should have and did not."""

    start: float | None
    end: float | None
    utterance: int | None = None  # index into CallContext.utterances
    role: str | None = None
    detail: str = ""  # what matched or what was missing, for the finding's explanation
    span: tuple[int, int] | None = None  # the match in the utterance's original text
    entity: str | None = None  # the PII type, for findings of PII rules


@dataclass(frozen=True)
class Outcome:
    """Whether a condition holds; ``hits`` are where it matched, ``misses`` where it failed."""

    passed: bool
    hits: tuple[Hit, ...] = ()
    misses: tuple[Hit, ...] = ()

    def negated(self) -> Outcome:
        return Outcome(not self.passed, self.misses, self.hits)
