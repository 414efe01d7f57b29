"""Transcript normalization for matching, with an exact map back to the original text and words.

Rule phrases and utterance texts both go through :func:`normalize`, so they meet whatever it
does to them; a match in ``Normalized.text`` maps back with :meth:`Normalized.source_span` to the
original characters that produced it, and :func:`word_span` turns those into the utterance's
word indices (hence audio times). Steps, in order, each keeping the map:

1. Unicode NFKC: full-width letters, digits and punctuation become half-width (``ＡＢＣ１２３`` →
   ``ABC123``), ligatures and circled digits are spelled out.
2. ``str.casefold`` (``ß`` → ``ss``).
3. Traditional → simplified Chinese with OpenCC ``t2s`` (``這個帳戶`` → ``这个帐户``), one to one: every
   entry of its t2s dictionaries (277 phrases, 4113 characters in opencc-python-reimplemented
   0.1.7) keeps the length. Should a conversion ever change the length, the text is converted a
   character at a time instead, and a character that would not stay one character is kept.
4. Punctuation, symbols and runs of spaces become one space, none at the ends. Next to a Chinese
   character they go altogether (Chinese has no spaces between words, some ASR systems put them
   in, and ASR commas land anywhere: ``请问，还有`` must meet ``请问还有``; ``工号：1024`` → ``工号1024``).
   Punctuation stays a boundary while numbers are read (step 5), so digit groups said with a
   pause stay apart: ``六二二二，零二一二`` → ``6222 0212``, like ``four five, one two`` → ``45 12``;
   spaces join digits in both languages. Kept, because numbers, amounts and emails need them:
   ``@ % $ ¥ € £`` always, ``+`` before a digit, ``.`` between two letters or digits (``3.5``,
   ``x.com``), ``:`` and ``/`` between digits (``10:30``, ``5/5``), ``'`` between letters (``don't``;
   curly quotes become ``'``). A comma between digits is a thousands separator and disappears
   when exactly three digits follow (``3,200`` → ``3200``); otherwise it separates groups
   (``4532,1488`` → ``4532 1488``).
5. Spoken numbers → digits (``numbers=True``), our own small grammar, below.

Numbers. Digit-by-digit strings are what card, ID and phone numbers are read as, so they map
exactly, each digit to the character or word it came from: ``六二二二零二一二`` → ``62220212``
(``幺`` is 1, ``两`` and ``〇`` count, leading zeros stay: ``零二一`` → ``021``), ``four five three
two`` → ``4532``, ``double five`` → ``55``, ``triple seven`` → ``777``, ``oh``/``o`` is zero among at
least two other digits (``five oh one`` → ``501``; ``oh no``, ``five oh`` stay). Positional numbers
map as a whole stretch: ``三千二百`` → ``3200``, ``两万三`` → ``23000``, ``二十`` → ``20``, ``twenty three``
→ ``23``, ``one hundred and five`` → ``105``, ``two thousand twenty four`` → ``2024``. Numbers said next
to each other join (``nineteen eighty five`` → ``1985``, ``forty five thirty two`` → ``4532``);
punctuation between them keeps groups apart (``four five three two, one four eight eight`` →
``4532 1488``). A number is only rewritten when it gives two digits or more: a lone ``one``,
``two``, ``一``, ``两``, ``五`` stays a word (``one of the best``, ``一下``, ``两个人``, ``后四位``, ``last four
digits``), except a Chinese digit touching written digits (``6222零`` → ``62220``). ``十分`` meaning
"very" (``十分感谢``) stays; ``十分钟`` → ``10分钟``. Chinese approximate counts turn into digit strings
(``三四个`` → ``34个``), ordinals and English words ``second``, ``first`` stay. None of this matters for
phrase rules, because the phrase goes through the same function; for PII detectors it means a
number is digits and an ordinary word is a word.

A second pass is not always a no-op: punctuation between two Chinese numerals keeps them apart
while numbers are read and then disappears, so ``五，六个`` → ``五六个``, which a second pass reads
as ``56个``. Rules normalize phrase and transcript once each, so this never meets a match.

``language``: ``"zh"`` (and ``zh-*``, ``yue``) rewrites Chinese numerals and English number words
(code-switched calls), ``"en"`` English only, ``None`` both (each touches only its own script,
so nothing needs to guess the language), anything else no numbers.

Why not wetext's ITN, measured here (wetext 0.1.8, 2 cores): ``normalize_with_mapping`` takes
3–60 ms an utterance (plain ``normalize`` 0.3–4 ms), against a budget of ~200 µs an utterance
for the whole rules stage; its mapping is per token, not per character; and for matching it
mangles: ``六二二二零二一二`` → ``622 20212`` (a space inside), ``二十分钟`` → ``20min`` (so a phrase
``等了*分钟`` misses), ``十分感谢`` → ``10分感谢``, ``三千二百元`` → ``¥3200``, ``百分之五`` → ``5%``, dates →
``1980/05/05``, ``second`` → ``2nd``, ``five o one`` → ``05:01``, ``five dollars`` → ``$5``; ``double five``
and ``triple seven`` stay words. Where it is right (digit strings, ``幺``, leading zeros) this module
gives the same digits; the tests check that against wetext. This module: ~20 µs a typical
utterance (20 words, or 35 Chinese characters), under 1 µs when the text was seen before.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import NamedTuple, Protocol

from qa.model import Utterance

__all__ = ["Normalized", "normalize", "word_span"]


@dataclass(frozen=True)
class Normalized:
    """Normalized text, the original, and the edits between them, to map a match back.

    ``source_span`` maps a stretch of ``text`` to the original characters behind it: one
    character for most, a whole word for a digit said as a word, a whole spoken number for a
    positional number. The map is kept as each step's edits and worked out only for a match,
    because most utterances never have one.
    """

    text: str
    source: str
    stages: tuple[_Stage, ...] = field(default=(), repr=False)  # the edits of each step, in order

    def source_span(self, start: int, end: int) -> tuple[int, int]:
        """Normalized ``[start, end)`` → the original ``[s, e)`` covering every character behind it."""
        n = len(self.text)
        start, end = max(0, min(start, n)), max(0, min(end, n))
        if start >= end:
            # An empty match sits just before the character at ``start`` (or at the very end).
            at = self.source_span(start, start + 1)[0] if start < n else len(self.source)
            return at, at
        first, last = start, end - 1
        # Every step keeps order, so the map is monotone: the ends of a stretch map to its ends.
        for stage in reversed(self.stages):
            first, last = stage.back(first)[0], stage.back(last)[1] - 1
        return first, last + 1

    @cached_property
    def starts(self) -> tuple[int, ...]:
        """For each character of ``text``, where what it came from starts in ``source``."""
        return tuple(self.source_span(i, i + 1)[0] for i in range(len(self.text)))

    @cached_property
    def ends(self) -> tuple[int, ...]:
        """For each character of ``text``, where what it came from ends in ``source``."""
        return tuple(self.source_span(i, i + 1)[1] for i in range(len(self.text)))


def normalize(text: str, language: str | None = None, *, numbers: bool = True) -> Normalized:
    """Normalize ``text`` for matching (see the module docstring); results are cached."""
    return _normalize(text, _numbers_key(language) if numbers else "")


def word_span(utterance: Utterance, source_start: int, source_end: int) -> tuple[int, int] | None:
    """Indices (first, last inclusive) of ``utterance.words`` covering ``utterance.text[start:end]``.

    Words are found in the text in order; a word that cannot be found (text edited, another
    spelling) takes the gap between its found neighbours, so a match there still lands on it.
    ``None`` when the utterance has no words or the span is empty.
    """
    if not utterance.words or source_end <= source_start:
        return None
    spans = _word_spans(utterance.text, [w.text for w in utterance.words])
    hit = [i for i, (a, b) in enumerate(spans) if a < source_end and b > source_start]
    if hit:
        return hit[0], hit[-1]
    # The span falls between words (a space, punctuation): the nearest word is the best evidence.
    nearest = min(range(len(spans)), key=lambda i: _distance(spans[i], source_start, source_end))
    return nearest, nearest


def word_char_spans(utterance: Utterance) -> list[tuple[int, int]]:
    """Where each of ``utterance.words`` sits in ``utterance.text`` (see :func:`word_span`)."""
    return _word_spans(utterance.text, [w.text for w in utterance.words])


# --- the pipeline --------------------------------------------------------------------------------

# An edit replaces text[a:b] with ``repl``; ``exact`` maps repl's characters one to one onto
# text[a:b] (same length), otherwise every one of them maps to the whole of text[a:b].
_Edit = tuple[int, int, str, bool]


@dataclass(frozen=True)
class _Stage:
    """One step's edits (sorted, not overlapping) and where each one's output starts."""

    edits: tuple[_Edit, ...]
    out_starts: tuple[int, ...]

    @classmethod
    def of(cls, edits: Sequence[_Edit]) -> _Stage:
        out_starts, shift = [], 0
        for a, b, repl, _ in edits:
            out_starts.append(a + shift)
            shift += len(repl) - (b - a)
        return cls(tuple(edits), tuple(out_starts))

    def back(self, p: int) -> tuple[int, int]:
        """The input stretch behind output character ``p``."""
        i = bisect_right(self.out_starts, p) - 1
        if i < 0:
            return p, p + 1
        a, b, repl, exact = self.edits[i]
        into = p - self.out_starts[i]
        if into < len(repl):
            return (a + into, a + into + 1) if exact else (a, b)
        q = b + into - len(repl)
        return q, q + 1


@lru_cache(maxsize=4096)
def _normalize(source: str, numbers_key: str) -> Normalized:
    """``numbers_key`` names the number readers to run: "zh+en", "en" or "" (none)."""
    text = source
    stages: list[_Stage] = []
    for step in _STEPS:
        new_text, edits = step(text)
        if edits:
            text = _edited(text, edits)
            stages.append(_Stage.of(edits))
        else:
            text = new_text
    if numbers_key:
        edits = _number_edits(text, numbers_key)
        if edits:
            text = _edited(text, edits)
            stages.append(_Stage.of(edits))
    if _BOUNDARY in text:
        edits = [(m.start(), m.end(), "", False) for m in _HAN_BOUNDARY.finditer(text)]
        if edits:
            text = _edited(text, edits)
            stages.append(_Stage.of(edits))
        text = text.replace(_BOUNDARY, " ")  # same length: no map to keep
    return Normalized(text, source, tuple(stages))


def _edited(text: str, edits: Sequence[_Edit]) -> str:
    parts: list[str] = []
    pos = 0
    for a, b, repl, _ in edits:
        parts.append(text[pos:a])
        parts.append(repl)
        pos = b
    parts.append(text[pos:])
    return "".join(parts)


def _nfkc(text: str) -> tuple[str, list[_Edit]]:
    if text.isascii() or unicodedata.is_normalized("NFKC", text):
        return text, []
    edits: list[_Edit] = []
    done = 0  # characters before this are settled
    for m in _NFKC_SUSPECT.finditer(text):
        a = m.start()
        if a < done:
            continue
        if unicodedata.combining(text[a]) and a > done:
            a -= 1  # a mark composes with the character before it
        b = m.start() + 1
        while b < len(text) and unicodedata.combining(text[b]):
            b += 1
        out = _nfkc_piece(text[a:b])
        if out is not None:
            edits.append((a, b, out, len(out) == b - a == 1))
        done = b
    return text, edits


@lru_cache(maxsize=4096)
def _nfkc_piece(piece: str) -> str | None:
    """NFKC of one character (with its marks), or None where that changes nothing we keep."""
    out = unicodedata.normalize("NFKC", piece)
    if out == piece:
        return None
    if _SEPARATOR.fullmatch(piece) and _SEPARATOR.fullmatch(out) and _KEPT.isdisjoint(out):
        # Full-width ，？！ become a boundary either way (and ，：． keep their meaning between
        # digits in the punctuation step): no edit, one less pass over the map.
        return None
    return out


# Characters NFKC may change, alone or with what follows: everything but ASCII and the unified
# ideographs, which is mostly a few punctuation marks an utterance, so the slow path stays short.
_NFKC_SUSPECT = re.compile("[^\\x00-\\x7f\\u3400-\\u4dbf\\u4e00-\\u9fff]")


def _casefold(text: str) -> tuple[str, list[_Edit]]:
    folded = text.casefold()
    if len(folded) == len(text):
        return folded, []  # no character grew (none ever shrinks), so the map is unchanged
    edits: list[_Edit] = []
    for i, ch in enumerate(text):
        out = ch.casefold()
        if out != ch:
            edits.append((i, i + 1, out, len(out) == 1))
    return text, edits


def _t2s(text: str) -> tuple[str, list[_Edit]]:
    if text.isascii():
        return text, []
    simple = text.translate(_t2s_table())
    if simple == text:
        return text, []
    whole = _opencc().convert(text)  # phrase-aware, slow: only for text that has traditional characters
    return (whole if len(whole) == len(text) else simple), []


class _T2STable(dict[int, str]):
    """``str.translate`` table filled on first sight of a character, from OpenCC one character at a time."""

    def __missing__(self, code: int) -> str:
        ch = chr(code)
        out = _opencc().convert(ch) if _is_han(ch) else ch
        self[code] = out if len(out) == 1 else ch
        return self[code]


@lru_cache(maxsize=1)
def _t2s_table() -> _T2STable:
    return _T2STable()


@lru_cache(maxsize=1)
def _opencc() -> _Converter:
    from opencc import OpenCC

    converter: _Converter = OpenCC("t2s")
    return converter


class _Converter(Protocol):  # what we use of OpenCC, for the type checker
    def convert(self, text: str) -> str: ...


_CJK = "\u3007\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
# Runs of spaces and punctuation that need an edit: two or more characters, or one that is not
# a plain space. A plain space between two words, most runs of an English text, is never visited.
_RUN = re.compile(r"[\W_]{2,}|[^\w ]|_")
# A single space beside Chinese: dropped (Chinese has no spaces between words).
_CJK_SPACE = re.compile(f"(?<=[{_CJK}]) (?=[^\\W_])|(?<=[^\\W_]) (?=[{_CJK}])")
_SEPARATOR = re.compile(r"[\W_]+")
_ALWAYS_KEPT = frozenset("@%$¥€£")
# Kept somewhere by the punctuation step; NFKC must still turn their full-width forms into these.
_KEPT = _ALWAYS_KEPT | frozenset("+'")
# Marks that never mean anything but a pause, whatever stands around them (， is one unless it
# follows a digit: ３，２００).
_PLAIN = frozenset('，。？！、；;!?"“”（）()《》【】…')
_APOSTROPHES = frozenset("'\u2018\u2019\u02bc")
# Punctuation becomes this until numbers are read, so "four five, one two" stays two groups
# (a space would join them); then it is a space. The punctuation step removes every control
# character, so none in the text can be mistaken for it.
_BOUNDARY = "\x1f"
_HAN_BOUNDARY = re.compile(f"(?<=[{_CJK}]){_BOUNDARY}|{_BOUNDARY}(?=[{_CJK}])")


def _is_han(ch: str) -> bool:
    """Whether ``ch`` (one character, or "" off either end) is Chinese or Japanese script."""
    return (
        "\u3400" <= ch <= "\u9fff"
        or "\u3040" <= ch <= "\u30ff"
        or ch == "\u3007"
        or "\uf900" <= ch <= "\ufaff"
        or "\U00020000" <= ch <= "\U0003134f"
    )


def _punctuation(text: str) -> tuple[str, list[_Edit]]:
    edits: list[_Edit] = []
    for m in _RUN.finditer(text):
        edits += _run_edits(text, m.start(), m.end())
    extra = False
    # A single space at either end, between the end and a word (longer runs are found above).
    if text[:1] == " " and (len(text) == 1 or text[1].isalnum()):
        edits.append((0, 1, "", False))
        extra = True
    if text[-1:] == " " and len(text) > 1 and text[-2].isalnum():
        edits.append((len(text) - 1, len(text), "", False))
        extra = True
    if " " in text and not text.isascii():
        for m in _CJK_SPACE.finditer(text):
            edits.append((m.start(), m.end(), "", False))
            extra = True
    if extra:
        edits.sort()
    return text, edits


def _run_edits(text: str, a: int, b: int) -> list[_Edit]:
    """What one run of spaces and punctuation between ``text[a-1]`` and ``text[b]`` becomes."""
    before, after = text[a - 1 : a], text[b : b + 1]
    run = text[a:b]
    at_end = a == 0 or b == len(text)
    if b - a == 1 and run in _PLAIN and not before.isdigit():
        return [(a, b, "" if at_end else _BOUNDARY, False)]  # the common 。？！, and ， not after a digit
    if b - a == 1:
        kept = _kept_single(run, before, text[b : b + 4])
        if kept is not None:
            return [] if kept == run else [(a, b, kept, len(kept) == 1)]
    if run.isspace():
        drop = at_end or _is_han(before) or _is_han(after)
        return [(a, b, "" if drop else " ", False)] if run != " " or drop else []
    if _ALWAYS_KEPT.isdisjoint(run) and "+" not in run:
        return [(a, b, "" if at_end else _BOUNDARY, False)]
    edits: list[_Edit] = []
    i = a
    while i < b:
        j = i
        while j < b and not _kept_in_run(text[j], j == b - 1, after):
            j += 1
        if j > i:
            # A separator at either end of the whole text disappears; elsewhere it is a boundary.
            edits.append((i, j, "" if i == 0 or j == len(text) else _BOUNDARY, False))
        i = j + 1  # past the kept character
    return edits


def _kept_in_run(ch: str, last: bool, after: str) -> bool:
    return ch in _ALWAYS_KEPT or (ch == "+" and last and after.isdigit())


def _kept_single(ch: str, before: str, ahead: str) -> str | None:
    """A lone punctuation mark that carries meaning where it stands (its replacement), or None.

    ``ahead`` is the four characters after it: enough to tell a thousands comma.
    """
    ch = unicodedata.normalize("NFKC", ch) if not ch.isascii() else ch
    after = ahead[:1]
    if ch in _APOSTROPHES and before.isalpha() and after.isalpha() and not (_is_han(before) or _is_han(after)):
        return "'"
    if ch == "." and before.isalnum() and after.isalnum() and before.isascii() and after.isascii():
        return "."
    if ch in ":/" and before.isdigit() and after.isdigit():
        return ch
    if ch == "," and before.isdigit() and len(ahead) >= 3 and ahead[:3].isdigit() and not ahead[3:].isdigit():
        return ""  # 3,200: a thousands separator
    if ch == "-" and before.isalnum() and after.isalnum() and not (_is_han(before) or _is_han(after)):
        return " "  # twenty-three, risk-free: a hyphen joins words, it is no pause
    return None


_STEPS: tuple[Callable[[str], tuple[str, list[_Edit]]], ...] = (_nfkc, _casefold, _t2s, _punctuation)


# --- numbers -----------------------------------------------------------------------------------


def _numbers_key(language: str | None) -> str:
    primary = (language or "").strip().lower().replace("_", "-").split("-")[0]
    if primary in ("", "auto", "zh", "yue", "cmn"):
        return "zh+en"
    return "en" if primary == "en" else ""


def _number_edits(text: str, key: str) -> list[_Edit]:
    edits: list[_Edit] = []
    if "zh" in key:
        edits += _zh_edits(text)
    if "en" in key:
        edits += _en_edits(text)
    edits.sort()
    return edits


# Chinese.
_ZH_DIGITS = {ch: int(d) for ch, d in zip("零〇一幺二两三四五六七八九", "0011223456789", strict=True)}
_ZH_UNITS = {"十": 10, "百": 100, "千": 1000}
_ZH_BIG = {"万": 10_000, "亿": 100_000_000}
_ZH_RUN = re.compile(f"[{''.join(_ZH_DIGITS)}{''.join(_ZH_UNITS)}{''.join(_ZH_BIG)}]+")
_ZH_UNIT = re.compile(f"[{''.join(_ZH_UNITS)}{''.join(_ZH_BIG)}]")
_ZH_DIGIT_TABLE = str.maketrans({ch: str(d) for ch, d in _ZH_DIGITS.items()})


def _zh_edits(text: str) -> list[_Edit]:
    edits: list[_Edit] = []
    for m in _ZH_RUN.finditer(text):
        edits += _zh_run_edits(text, m.start(), m.end())
    return edits


def _zh_run_edits(text: str, a: int, b: int) -> list[_Edit]:
    if _ZH_UNIT.search(text, a, b) is None:
        # Digits only, the way card and phone numbers are read: each character is one digit.
        if b - a >= 2 or text[a - 1 : a].isdigit() or text[b : b + 1].isdigit():
            return [(a, b, text[a:b].translate(_ZH_DIGIT_TABLE), True)]
        return []
    edits: list[_Edit] = []
    digits: list[int] = []  # positions of a pending digit-by-digit string

    def flush() -> None:
        touches_written = bool(digits) and (
            (digits[0] == a and text[a - 1 : a].isdigit()) or (digits[-1] == b - 1 and text[b : b + 1].isdigit())
        )
        if len(digits) >= 2 or touches_written:
            edits.extend((i, i + 1, str(_ZH_DIGITS[text[i]]), True) for i in digits)
        digits.clear()

    i = a
    while i < b:
        parsed = _zh_positional(text, i, b)
        if parsed is not None:
            flush()
            value, j = parsed
            edits.append((i, j, str(value), False))
            i = j
        elif text[i] in _ZH_DIGITS:
            digits.append(i)
            i += 1
        else:
            flush()  # 百, 千, 万, 亿 with no digit before them are words (千万, 万一, 百度)
            i += 1
    flush()
    return edits


def _zh_positional(text: str, i: int, b: int) -> tuple[int, int] | None:
    """The positional number (one that uses 十百千万亿) starting at ``text[i]``, and where it ends."""
    total = section = 0
    digit: int | None = None
    unit: int | None = None  # the last 十/百/千 in this section: later ones must be smaller
    big: int | None = None  # the last 万/亿
    zero = False  # a 零 since the last unit: 一百零五 is 105, 一百五 is 150
    used_unit = False
    end = i
    k = i
    while k < b:
        ch = text[k]
        if ch in _ZH_DIGITS:
            if digit is not None:
                break
            if _ZH_DIGITS[ch] == 0:
                zero = True
                k += 1
                continue  # not consumed yet: a number does not end in 零
            digit = _ZH_DIGITS[ch]
        elif ch in _ZH_UNITS:
            u = _ZH_UNITS[ch]
            if digit is None:
                if ch != "十" or k != i:
                    break
                digit = 1  # 十五 is 15
            if unit is not None and u >= unit:
                break
            section += digit * u
            digit, unit, zero, used_unit = None, u, False, True
        elif ch in _ZH_BIG:
            u = _ZH_BIG[ch]
            if (section == 0 and digit is None) or (big is not None and u >= big):
                break
            section += digit or 0
            total += section * u  # 亿 can only come first (units fall), so this is right for both
            section, digit, unit, big, zero, used_unit = 0, None, None, u, False, True
        else:
            break
        k += 1
        end = k
    if not used_unit:
        return None
    if digit is not None:
        # Colloquial 三百五 (350), 两万三 (23000): a last digit straight after a unit counts in tenths of it.
        scale = unit if unit is not None else big
        section += digit * (scale // 10 if scale and not zero else 1)
    value = total + section
    if text[i:end] == "十" and text[end : end + 1] == "分" and text[end + 1 : end + 2] != "钟":
        return None  # 十分感谢: "very", not ten
    return value, end


# English.
_EN_UNITS = {w: i for i, w in enumerate(("zero", "one", "two", "three", "four", "five", "six", "seven", "eight"))}
_EN_UNITS["nine"] = 9
_EN_TEENS = {w: 10 + i for i, w in enumerate(("ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen"))}
_EN_TEENS |= {"seventeen": 17, "eighteen": 18, "nineteen": 19}
_EN_TENS = {w: 10 * i for i, w in enumerate(("twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty"), 2)}
_EN_TENS["ninety"] = 90
_EN_SCALES = {"thousand": 1000, "million": 1_000_000}
_EN_REPEAT = {"double": 2, "triple": 3}
_EN_ZERO = frozenset({"oh", "o"})
_EN_WORDS = sorted(
    [*_EN_UNITS, *_EN_TEENS, *_EN_TENS, *_EN_SCALES, *_EN_REPEAT, *_EN_ZERO, "hundred"], key=len, reverse=True
)
# Number words are whole words: no Latin letter (nor ' @ .) touches them. Digits and Chinese may,
# because spaces beside Chinese are gone ("卡号one two").
_LATIN = "a-z0-9\u00c0-\u024f\u0370-\u03ff\u0400-\u04ff'@."
_EN_WORD = rf"(?:{'|'.join(_EN_WORDS)})(?![{_LATIN}])"
_EN_RUN = re.compile(rf"(?<![{_LATIN.replace('0-9', '')}]){_EN_WORD}(?: (?:{_EN_WORD}|and(?![{_LATIN}])))*")
_EN_TOKEN = re.compile(r"\S+")


class _Piece(NamedTuple):
    """Part of a run of English number words: words ``[first, last)`` say ``digits``."""

    first: int
    last: int
    digits: str | None  # None: not a number here ("and" out of place, "hundred" alone)
    zero_word: bool = False  # "oh"/"o": a zero only among other digits


def _en_edits(text: str) -> list[_Edit]:
    edits: list[_Edit] = []
    for m in _EN_RUN.finditer(text):
        at = m.start()
        edits += [(a + at, b + at, repl, exact) for a, b, repl, exact in _en_run_edits(m.group())]
    return edits


@lru_cache(maxsize=4096)
def _en_run_edits(run: str) -> tuple[_Edit, ...]:
    """Edits, relative to the run, for one run of number words; cached, as "one" and "o" recur."""
    tokens = [t.span() for t in _EN_TOKEN.finditer(run)]
    words = run.split()
    edits: list[_Edit] = []
    group: list[_Piece] = []
    for piece in [*_en_pieces(words), _Piece(len(words), len(words), None)]:
        if piece.digits is None:
            edits += _en_group_edits(group, tokens)
            group = []
        else:
            group.append(piece)
    return tuple(edits)


def _en_group_edits(group: list[_Piece], tokens: list[tuple[int, int]]) -> list[_Edit]:
    said = sum(len(p.digits or "") for p in group if not p.zero_word)
    if said < 2:
        return []  # one, five, five oh: words, not numbers
    edits: list[_Edit] = []
    for k, p in enumerate(group):
        a, b = tokens[p.first][0], tokens[p.last - 1][1]
        edits.append((a, b, p.digits or "", False))
        if k + 1 < len(group):
            edits.append((b, tokens[group[k + 1].first][0], "", False))  # the space between: digits join
    return edits


def _en_pieces(words: list[str]) -> list[_Piece]:
    pieces: list[_Piece] = []
    k = 0
    while k < len(words):
        w = words[k]
        nxt = words[k + 1] if k + 1 < len(words) else ""
        if w in _EN_REPEAT and (nxt in _EN_UNITS or nxt in _EN_ZERO):
            pieces.append(_Piece(k, k + 2, str(_EN_UNITS.get(nxt, 0)) * _EN_REPEAT[w]))
            k += 2
            continue
        cardinal = _en_cardinal(words, k)
        if cardinal is not None:
            pieces.append(_Piece(k, cardinal[1], str(cardinal[0])))
            k = cardinal[1]
        elif w in _EN_UNITS:
            pieces.append(_Piece(k, k + 1, str(_EN_UNITS[w])))
            k += 1
        elif w in _EN_ZERO:
            pieces.append(_Piece(k, k + 1, "0", zero_word=True))
            k += 1
        else:
            pieces.append(_Piece(k, k + 1, None))
            k += 1
    return pieces


def _en_cardinal(words: list[str], k: int) -> tuple[int, int] | None:
    """A number said with tens, teens, hundred or thousand at ``words[k]``: (value, end). Bare digits: None."""
    head = _en_below_thousand(words, k)
    if head is None:
        return None
    value, j, composite = head
    if j < len(words) and words[j] in _EN_SCALES:
        scale = _EN_SCALES[words[j]]
        value, j, composite = value * scale, j + 1, True
        rest = _en_below_thousand(words, j + 1 if j < len(words) and words[j] == "and" else j)
        if rest is not None and rest[0] < scale:
            value, j = value + rest[0], rest[1]
    return (value, j) if composite else None


def _en_below_thousand(words: list[str], k: int) -> tuple[int, int, bool] | None:
    head = _en_below_hundred(words, k)
    if head is None:
        return None
    value, j, composite = head
    if j < len(words) and words[j] == "hundred":
        value, j, composite = value * 100, j + 1, True
        rest = _en_below_hundred(words, j + 1 if j < len(words) and words[j] == "and" else j)
        if rest is not None:
            value, j = value + rest[0], rest[1]
    return value, j, composite


def _en_below_hundred(words: list[str], k: int) -> tuple[int, int, bool] | None:
    if k >= len(words):
        return None
    w = words[k]
    if w in _EN_TEENS:
        return _EN_TEENS[w], k + 1, True
    if w in _EN_TENS:
        unit = _EN_UNITS.get(words[k + 1], 0) if k + 1 < len(words) else 0
        return (_EN_TENS[w] + unit, k + 2, True) if unit else (_EN_TENS[w], k + 1, True)
    if w in _EN_UNITS and w != "zero":
        return _EN_UNITS[w], k + 1, False
    return None


# --- words -------------------------------------------------------------------------------------


def _word_spans(text: str, words: Sequence[str]) -> list[tuple[int, int]]:
    """Where each word sits in ``text``; words not found take the gap between their neighbours."""
    folded = text.casefold()
    fold = len(folded) == len(text)  # same length: positions in the folded text are positions in text
    haystack = folded if fold else text
    found: list[tuple[int, int] | None] = []
    cursor = 0
    missed = 0  # characters of words not found since the last one that was
    for word in words:
        needle = word.strip()
        needle = needle.casefold() if fold else needle
        at = haystack.find(needle, cursor) if needle else -1
        # A short word found far ahead is more likely a later word's twin than this word.
        if at < 0 or at - cursor > 2 * missed + 4:
            found.append(None)
            missed += len(needle) + 1
            continue
        found.append((at, at + len(needle)))
        cursor, missed = at + len(needle), 0
    spans: list[tuple[int, int]] = []
    for i, span in enumerate(found):
        if span is not None:
            spans.append(span)
            continue
        prev_end = spans[-1][1] if spans else 0
        nxt = next((s for s in found[i + 1 :] if s is not None), None)
        spans.append((prev_end, nxt[0] if nxt is not None else len(text)))
    return spans


def _distance(span: tuple[int, int], start: int, end: int) -> int:
    a, b = span
    return max(a - end, start - b, 0)
