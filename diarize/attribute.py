"""Who said each word: words from ASR meet speaker turns and become utterances."""

from __future__ import annotations

import bisect
from collections.abc import Mapping, Sequence

from qa.model import SpeakerTurn, SpeakerTurns, Utterance, Word, renumber

_SENTENCE_END = tuple("。！？!?.")
_LONG_UTTERANCE_S = 20.0  # past this, an utterance also ends at a sentence end


def utterances_from_words(
    turns: SpeakerTurns, words_by_channel: Mapping[int, Sequence[Word]], gap_s: float
) -> tuple[Utterance, ...]:
    """Group words into utterances of one speaker, split at speaker changes and pauses.

    Stereo: a channel is a speaker. Mono: each word goes to the turn it overlaps most, or the
    nearest turn when VAD padding and word times disagree.
    """
    out: list[Utterance] = []
    for channel, words in sorted(words_by_channel.items()):
        if turns.method == "channels":
            labelled = [(f"SPEAKER_{channel:02d}", w) for w in words]
        else:
            labelled = [(_speaker_of(w, turns.turns), w) for w in words]
        out += _group(labelled, channel, gap_s)
    return renumber(out)


def _speaker_of(word: Word, turns: Sequence[SpeakerTurn]) -> str:
    if not turns:
        return "SPEAKER_00"
    starts = [t.start for t in turns]
    i = bisect.bisect_right(starts, word.end)
    best, best_overlap, best_dist = turns[0].speaker, 0.0, float("inf")
    for t in turns[max(0, i - 3) : i + 1]:
        overlap = min(t.end, word.end) - max(t.start, word.start)
        dist = max(t.start - word.end, word.start - t.end, 0.0)
        if overlap > best_overlap or (best_overlap == 0 and overlap <= 0 and dist < best_dist):
            best, best_overlap, best_dist = t.speaker, max(overlap, 0.0), dist
    return best


def _group(labelled: list[tuple[str, Word]], channel: int, gap_s: float) -> list[Utterance]:
    groups: list[tuple[str, list[Word]]] = []
    for speaker, w in labelled:
        if groups:
            last_speaker, last = groups[-1]
            ended = last[-1].text.endswith(_SENTENCE_END) and w.start - last[0].start > _LONG_UTTERANCE_S
            if last_speaker == speaker and w.start - last[-1].end < gap_s and not ended:
                last.append(w)
                continue
        groups.append((speaker, [w]))
    return [
        Utterance(
            id=0,
            role="unknown",
            speaker=speaker,
            start=ws[0].start,
            end=ws[-1].end,
            text=join_words(ws),
            words=tuple(ws),
            channel=channel,
        )
        for speaker, ws in groups
    ]


def join_words(words: Sequence[Word]) -> str:
    """Words back into text: spaces between Latin words, none between Chinese characters."""
    text = ""
    for w in words:
        between_latin = _is_latin_end(text[-1]) and _is_latin_end(w.text[0]) if text else False
        after_punctuation = bool(text) and text[-1] in ",.;:!?" and w.text[0].isascii() and w.text[0].isalnum()
        if between_latin or after_punctuation:
            text += " "
        text += w.text
    return text


def _is_latin_end(ch: str) -> bool:
    return ch.isascii() and (ch.isalnum() or ch in "'-%$")
