"""Masking what the detectors found: utterance text, its words, and evidence snippets.

A masked span becomes ``[BANK_CARD]`` (``tag``, the default) or, for long numbers,
``[BANK_CARD …7890]`` (``last4``). The words that carried an entity are merged into one word
with the mask as its text and the first word's start and the last word's end as its times, so a
player still jumps to the right moment and no digit survives in a word.
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from pii.model import Entity
from qa.model import Utterance, Word

MASK_MODES = ("tag", "last4")
# last4 only for numbers long enough that four digits reveal little; a CVV or a date keeps its tag
_LAST4_TYPES = frozenset({"bank_card", "cn_id", "cn_mobile", "phone", "us_ssn", "iban"})


@dataclass(frozen=True)
class RedactOptions:
    mask: str = "tag"

    def validate(self) -> None:
        if self.mask not in MASK_MODES:
            raise ValueError(f"mask {self.mask!r} is not one of {', '.join(MASK_MODES)}")


def mask_for(entity: Entity, mode: str = "tag") -> str:
    if mode == "last4" and entity.type in _LAST4_TYPES and len(entity.value) >= 8:
        return f"[{entity.tag} …{entity.value[-4:].upper()}]"
    return f"[{entity.tag}]"


@dataclass(frozen=True)
class RedactedText:
    """A text with spans replaced, and the map from the original's offsets to the new ones."""

    text: str
    # (original start, original end, new start, new end) per replaced span, in order
    edits: tuple[tuple[int, int, int, int], ...] = ()

    def offset(self, raw: int, *, end: bool = False) -> int:
        """Where original offset ``raw`` lands; inside a mask it widens to the whole mask."""
        i = bisect.bisect_right([e[0] for e in self.edits], raw if not end else raw - 1) - 1
        if i < 0:
            return raw
        _, b, na, nb = self.edits[i]
        if raw < b or (end and raw == b):
            return nb if end else na
        return raw - b + nb

    def span(self, start: int, end: int) -> tuple[int, int]:
        return self.offset(start), self.offset(end, end=True)


def redact_text(text: str, spans: Sequence[tuple[int, int, str]]) -> RedactedText:
    """Replace each ``(start, end, mask)`` of ``text`` (sorted, not overlapping)."""
    out: list[str] = []
    edits = []
    cursor = 0
    size = 0
    for a, b, mask in sorted(spans):
        a = max(a, cursor)
        if b <= a:
            continue
        out.append(text[cursor:a])
        size += a - cursor
        edits.append((a, b, size, size + len(mask)))
        out.append(mask)
        size += len(mask)
        cursor = b
    out.append(text[cursor:])
    return RedactedText("".join(out), tuple(edits))


def redact_utterance(utterance: Utterance, entities: Sequence[Entity], mode: str = "tag") -> Utterance:
    """The utterance with every entity masked in its text and its words."""
    if not entities:
        return utterance
    spans = [(e.start, e.end, mask_for(e, mode)) for e in entities]
    text = redact_text(utterance.text, spans)
    return replace(utterance, text=text.text, words=_redact_words(utterance, spans))


def _redact_words(utterance: Utterance, spans: Sequence[tuple[int, int, str]]) -> tuple[Word, ...]:
    from rules.normalize import word_char_spans  # here: the rules package imports this module

    if not utterance.words:
        return ()
    places = word_char_spans(utterance)
    words = list(utterance.words)
    out: list[Word] = []
    i = 0
    while i < len(words):
        a, b = places[i]
        hit = [s for s in spans if s[0] < max(b, a + 1) and s[1] > a]
        if not hit:
            out.append(words[i])
            i += 1
            continue
        # merge this word with every following word the same entities reach into
        last = i
        reach = max(s[1] for s in hit)
        while last + 1 < len(words) and places[last + 1][0] < reach:
            last += 1
            reach = max([reach] + [s[1] for s in spans if s[0] < places[last][1] and s[1] > places[last][0]])
        lo, hi = min(places[i][0], *(s[0] for s in hit)), max(places[last][1], reach)
        inside = [(s[0] - lo, s[1] - lo, s[2]) for s in spans if s[0] < hi and s[1] > lo]
        text = redact_text(utterance.text[lo:hi], inside).text.strip()
        group = words[i : last + 1]
        out.append(Word(group[0].start, group[-1].end, text, min(w.p for w in group)))
        i = last + 1
    return tuple(out)


def by_utterance(entities: Sequence[Entity]) -> Mapping[int, list[Entity]]:
    grouped: dict[int, list[Entity]] = {}
    for e in entities:
        grouped.setdefault(e.utterance, []).append(e)
    return grouped


def redact_mentions(text: str, raw: Sequence[str], tags: Sequence[str]) -> str:
    """Mask known raw strings (what the entities were heard as) wherever they appear in ``text``."""
    for value, tag in sorted(zip(raw, tags, strict=True), key=lambda p: -len(p[0])):
        if value.strip():
            text = text.replace(value, tag)
    return text
