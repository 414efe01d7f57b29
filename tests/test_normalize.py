"""Transcript normalization, table-driven: what text becomes, and that every match maps back exactly."""

from __future__ import annotations

import dataclasses
import random
import re

import pytest

from qa.model import Utterance, Word
from rules.normalize import Normalized, normalize, word_span

# (name, original, language, normalized, [(a stretch of the normalized text, the original behind it)])
CASES: list[tuple[str, str, str | None, str, list[tuple[str, str]]]] = [
    # width, case, script
    ("full width", "ＡＢＣ１２３", None, "abc123", [("abc123", "ＡＢＣ１２３"), ("c1", "Ｃ１")]),
    ("case", "Hello World", "en", "hello world", [("world", "World")]),
    ("casefold grows a character", "Straße 5", "en", "strasse 5", [("ss", "ß"), ("5", "5"), ("strasse", "Straße")]),
    ("ligature", "ﬁle", "en", "file", [("fi", "ﬁ"), ("le", "le")]),
    ("combining mark composes", "cafe\u0301 ok", "en", "café ok", [("é", "e\u0301"), ("ok", "ok")]),
    ("traditional to simplified", "這個帳戶的餘額", "zh", "这个帐户的余额", [("帐户", "帳戶"), ("余额", "餘額")]),
    ("t2s knows phrases", "乾隆很乾燥", "zh", "乾隆很干燥", [("干", "乾")]),
    # punctuation and spaces
    ("punctuation", "Hello, world! How are you?", "en", "hello world how are you", [("world how", "world! How")]),
    ("spaces collapse", "  spaced \t out  ", "en", "spaced out", [("spaced out", "spaced \t out")]),
    ("zh punctuation goes", "您好，欢迎致电。", "zh", "您好欢迎致电", [("好欢", "好，欢")]),
    ("zh colon", "工号：1024", "zh", "工号1024", [("号1", "号：1")]),
    ("zh beside latin", "用 Visa 卡。OK", "zh", "用visa卡ok", [("卡o", "卡。O")]),
    ("zh spaces go", "您好 欢迎 致电", "zh", "您好欢迎致电", [("好欢", "好 欢")]),
    ("zh beside digits", "工号 1024 为您服务", "zh", "工号1024为您服务", [("1024", "1024")]),
    ("email kept", "Mail john.smith@example.com.", "en", "mail john.smith@example.com", [("@", "@")]),
    ("percent kept", "100% safe!", "en", "100% safe", [("100%", "100%")]),
    ("thousands comma", "It's $3,200 (approx.)", "en", "it's $3200 approx", [("$3200", "$3,200"), ("it's", "It's")]),
    ("group comma", "4532,1488", "en", "4532 1488", [("4532 1488", "4532,1488")]),
    ("full-width thousands", "３，２００元", "zh", "3200元", [("3200", "３，２００")]),
    ("control characters", "a\x1fb\x00c", "en", "a b c", [("b", "b")]),
    ("phone", "Call +86 138-0013-8000.", "en", "call +86 138 0013 8000", [("+86", "+86"), ("0013", "0013")]),
    ("curly apostrophe", "I don’t know…", "en", "i don't know", [("don't", "don’t")]),
    ("time", "at 10:30, ok", "en", "at 10:30 ok", [("10:30", "10:30")]),
    ("hyphen joins words", "risk-free", "en", "risk free", [("risk free", "risk-free")]),
    # Mandarin spoken digits
    ("zh digits", "六二二二零二一二", "zh", "62220212", [("62220212", "六二二二零二一二"), ("2220", "二二二零")]),
    (
        "zh digits mid-text",
        "我的卡号是六二二二零二一二。",
        "zh",
        "我的卡号是62220212",
        [("62220212", "六二二二零二一二")],
    ),
    ("yao is one", "工号幺零二四为您服务", "zh", "工号1024为您服务", [("1024", "幺零二四"), ("1", "幺")]),
    ("liang in digits", "幺两三", "zh", "123", [("2", "两")]),
    ("leading zeros", "区号零二一", "zh", "区号021", [("021", "零二一"), ("0", "零")]),
    ("phone digits", "幺三八零零一三八零零零", "zh", "13800138000", [("13800138000", "幺三八零零一三八零零零")]),
    ("digit groups", "六二二二，零二一二", "zh", "6222 0212", [("6222 0212", "六二二二，零二一二")]),
    ("beside written digits", "卡号６２２２零", "zh", "卡号62220", [("0", "零"), ("6222", "６２２２")]),
    ("traditional digits", "兩百", "zh", "200", [("200", "兩百")]),
    # Mandarin positional numbers map as a whole
    ("amount", "账单三千二百元", "zh", "账单3200元", [("3200", "三千二百"), ("2", "三千二百"), ("元", "元")]),
    ("liang hundred", "两百", "zh", "200", [("200", "两百")]),
    ("colloquial", "三百五和两万三", "zh", "350和23000", [("350", "三百五"), ("23000", "两万三")]),
    ("with zero", "一百零五", "zh", "105", [("105", "一百零五")]),
    ("ten", "十五号", "zh", "15号", [("15", "十五")]),
    ("minutes", "等了二十分钟了", "zh", "等了20分钟了", [("20", "二十"), ("分钟", "分钟")]),
    # single numerals and words that only look like numbers stay
    ("yixia", "请稍等一下", "zh", "请稍等一下", []),
    ("liang ge", "两个人", "zh", "两个人", []),
    ("last four", "卡号后四位是四五三二", "zh", "卡号后四位是4532", [("4532", "四五三二")]),
    ("very", "十分感谢", "zh", "十分感谢", []),
    ("just in case", "万一的话千万不要", "zh", "万一的话千万不要", []),
    ("year digits, day words", "一九八零年五月五号", "zh", "1980年五月五号", [("1980", "一九八零")]),
    # English digit by digit
    (
        "en digits",
        "four five three two one four eight eight",
        "en",
        "45321488",
        [("45321488", "four five three two one four eight eight"), ("5", "five"), ("3214", "three two one four")],
    ),
    ("double", "double five", "en", "55", [("55", "double five"), ("5", "double five")]),
    ("triple", "triple seven two", "en", "7772", [("2", "two")]),
    ("oh is zero", "five oh one", "en", "501", [("0", "oh"), ("501", "five oh one")]),
    ("o is zero", "one o two four", "en", "1024", [("0", "o")]),
    (
        "mixed, groups kept",
        "my card is four five three two, one four eight eight thanks",
        "en",
        "my card is 4532 1488 thanks",
        [("4532 1488", "four five three two, one four eight eight"), ("1488", "one four eight eight")],
    ),
    ("capitals", "Four Five Three", "en", "453", [("453", "Four Five Three")]),
    # English numbers said with tens, hundreds
    ("tens", "twenty three dollars", "en", "23 dollars", [("23", "twenty three")]),
    ("hyphenated", "twenty-three", "en", "23", [("23", "twenty-three")]),
    ("hundred and", "one hundred and five", "en", "105", [("105", "one hundred and five")]),
    ("thousand", "two thousand twenty four", "en", "2024", [("2024", "two thousand twenty four")]),
    ("year pairs", "nineteen eighty five", "en", "1985", [("19", "nineteen"), ("85", "eighty five")]),
    ("card in pairs", "forty five thirty two", "en", "4532", [("45", "forty five")]),
    ("ten alone", "the last ten", "en", "the last 10", [("10", "ten")]),
    # English near misses: a lone digit word is a word
    ("one of", "one of the best", "en", "one of the best", []),
    ("a second", "give me a second", "en", "give me a second", []),
    ("oh no", "Oh no, five oh", "en", "oh no five oh", []),
    ("last four digits", "the last four digits", "en", "the last four digits", []),
    ("o'clock", "five o'clock", "en", "five o'clock", []),
    ("and splits", "one and two", "en", "one and two", []),
    ("not inside words", "someone won tone", "en", "someone won tone", []),
    ("a hundred", "a hundred", "en", "a hundred", []),
]


@pytest.mark.parametrize(("name", "source", "language", "expected", "spans"), CASES, ids=[c[0] for c in CASES])
def test_normalize(name: str, source: str, language: str | None, expected: str, spans: list[tuple[str, str]]) -> None:
    n = normalize(source, language)
    assert n.text == expected
    assert n.source == source
    for needle, original in spans:
        at = n.text.index(needle)
        s, e = n.source_span(at, at + len(needle))
        assert source[s:e] == original, f"{needle!r} maps to {source[s:e]!r}"


@pytest.mark.parametrize(("name", "source", "language", "expected", "spans"), CASES, ids=[c[0] for c in CASES])
def test_map_is_whole_and_in_order(
    name: str, source: str, language: str | None, expected: str, spans: list[tuple[str, str]]
) -> None:
    n = normalize(source, language)
    assert len(n.starts) == len(n.ends) == len(n.text)
    for i in range(len(n.text)):
        assert 0 <= n.starts[i] < n.ends[i] <= len(source)
        if i:
            assert n.starts[i - 1] <= n.starts[i] and n.ends[i - 1] <= n.ends[i]
    if n.text:
        assert n.source_span(0, len(n.text)) == (n.starts[0], n.ends[-1])


def test_unchanged_text_maps_to_itself() -> None:
    n = normalize("plain words here", "en")
    assert n.text == "plain words here"
    assert n.starts == tuple(range(16)) and n.ends == tuple(range(1, 17))


def test_empty_and_out_of_range_spans() -> None:
    n = normalize("Hi, four five!", "en")
    assert n.text == "hi 45"
    assert n.source_span(3, 3) == (4, 4)  # empty: just before what "4" came from
    assert n.source_span(5, 9) == (14, 14)  # past the end: the end of the original
    assert n.source_span(-3, 2) == (0, 2)
    assert normalize("").text == ""
    assert normalize("  ，。 ").text == ""


@pytest.mark.parametrize(
    ("source", "language", "expected"),
    [
        ("六二二二，one two", "en", "六二二二12"),  # English only: Chinese numerals stay
        ("六二二二，one two", "zh", "6222 12"),  # Chinese calls: both (code-switching)
        ("六二二二，one two", None, "6222 12"),  # unknown: both, each in its own script
        ("六二二二，一", "zh", "6222一"),
        ("卡号one two", "zh", "卡号12"),
        ("six two two two", "fr", "six two two two"),  # another language: no numbers at all
        ("six two two two", "en-US", "6222"),
    ],
)
def test_language_picks_the_number_readers(source: str, language: str | None, expected: str) -> None:
    assert normalize(source, language).text == expected


def test_numbers_off() -> None:
    assert normalize("Four Five，幺零", "zh", numbers=False).text == "four five幺零"


def test_phrase_and_text_meet() -> None:
    """Rules normalize the phrase and the transcript the same way, so spoken and written numbers match."""
    for phrase, text, language in [
        ("工号1024", "您好，工号幺零二四为您服务", "zh"),
        ("1024", "agent number one oh two four", "en"),
        ("agent number 1024", "Agent number: one zero two four.", "en"),
        ("等了*分钟", "我等了二十分钟了", "zh"),
        ("last four digits", "Please confirm the last four digits.", "en"),
        ("i don't know", "I don’t know", "en"),
        ("这个账户", "這個賬戶", "zh"),
        ("请问还有", "请问，还有别的吗", "zh"),
    ]:
        parts = [re.escape(normalize(p, language).text) for p in phrase.split("*")]
        assert re.search(".*?".join(parts), normalize(text, language).text), (phrase, text)


def test_cached_and_immutable() -> None:
    a = normalize("Four five six", "en")
    assert normalize("Four five six", "en") is a
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.text = "x"  # type: ignore[misc]
    assert isinstance(a, Normalized)


# --- word spans ----------------------------------------------------------------------------------


def _utt(words: list[str], text: str | None = None, joiner: str = " ") -> Utterance:
    ws = tuple(Word(float(i), float(i) + 0.5, w) for i, w in enumerate(words))
    return Utterance(0, "customer", "S1", 0.0, float(len(words)), text if text is not None else joiner.join(words), ws)


EN_WORDS = ["My", "card", "is", "four", "five", "three", "two,", "one", "four", "eight", "eight", "thanks."]
ZH_WORDS = ["我的", "卡号", "是", "六二二二", "零二一二", "谢谢"]


@pytest.mark.parametrize(
    ("words", "joiner", "language", "needle", "expected"),
    [
        (EN_WORDS, " ", "en", "4532 1488", (3, 10)),
        (EN_WORDS, " ", "en", "4532", (3, 6)),
        (EN_WORDS, " ", "en", "1488", (7, 10)),
        (EN_WORDS, " ", "en", "thanks", (11, 11)),
        (EN_WORDS, " ", "en", "card is", (1, 2)),
        (ZH_WORDS, "", "zh", "62220212", (3, 4)),
        (ZH_WORDS, "", "zh", "0212", (4, 4)),
        (ZH_WORDS, "", "zh", "2220", (3, 4)),
        (ZH_WORDS, "", "zh", "卡号是6", (1, 3)),
        (list("我的卡号是幺三八"), "", "zh", "138", (5, 7)),
        (["double", "five", "oh", "one"], " ", "en", "5501", (0, 3)),
        (["账单", "三千二百", "元"], "", "zh", "3200元", (1, 2)),
    ],
)
def test_word_span(words: list[str], joiner: str, language: str, needle: str, expected: tuple[int, int]) -> None:
    u = _utt(words, joiner=joiner)
    n = normalize(u.text, language)
    at = n.text.index(needle)
    span = word_span(u, *n.source_span(at, at + len(needle)))
    assert span == expected
    first, last = span
    assert (u.words[first].start, u.words[last].end) == (float(first), float(last) + 0.5)


def test_word_span_tolerates_text_that_differs() -> None:
    # Case differs, a word is spelled differently in the text, words carry stray spaces.
    u = _utt([" Hello", "colour", "is", "RED"], text="hello, color is red")
    assert word_span(u, 0, 5) == (0, 0)
    assert word_span(u, 7, 12) == (1, 1)  # "color": not found, so it takes the gap between its neighbours
    assert word_span(u, 16, 19) == (3, 3)
    assert word_span(u, 5, 6) in {(0, 0), (1, 1)}  # the comma: the nearest word
    # Nothing matches at all: still an answer, never an exception.
    v = _utt(["alpha", "beta"], text="完全不同的文字")
    assert word_span(v, 0, 3) is not None
    assert word_span(v, 50, 60) is not None


def test_word_span_without_words() -> None:
    assert word_span(Utterance(0, "agent", "S0", 0.0, 1.0, "no words"), 0, 2) is None
    assert word_span(_utt(["a", "b"]), 1, 1) is None  # an empty span


def test_word_span_a_short_word_is_not_found_far_ahead() -> None:
    # "a" is missing from the text where it was said; the later "a" belongs to a later word.
    u = _utt(["I", "a", "want", "apples", "and", "a", "pear"], text="I want apples and a pear")
    assert word_span(u, 18, 19) == (5, 5)


# --- against wetext ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "lang"),
    [
        ("六二二二零二一二", "zh"),
        ("幺三八零零一三八零零零", "zh"),
        ("零二一", "zh"),
        ("工号幺零二四为您服务", "zh"),
        ("身份证号是一一零一零一一九九零零一零一一二三四", "zh"),
        ("four five three two one four eight eight", "en"),
        ("five oh one", "en"),
        ("zero one two", "en"),
        ("call me at five five five one two three four", "en"),
        ("twenty three", "en"),
        ("one hundred and five", "en"),
    ],
)
def test_digits_agree_with_wetext(source: str, lang: str) -> None:
    """Where wetext's ITN is right about digit strings, we give the same digits (without its stray spaces)."""
    import wetext  # a dev dependency: installed wherever the tests run

    theirs = wetext.Normalizer(lang=lang, operator="itn").normalize(source)
    assert normalize(source, lang).text.replace(" ", "") == theirs.replace(" ", "")


def test_random_text_never_breaks_the_map() -> None:
    """Whatever comes in, the map covers every character, in order, inside the original."""
    rng = random.Random(11)
    pieces = [
        *"aB ,.;:'’-+@%$/，。？！：零一二三四五六七八九十百千万亿幺两兩這０Ａ\t\u3000ﬁß\u0301①_\x1f",
        "one ",
        "oh ",
        "double ",
    ]
    for _ in range(400):
        source = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 30)))
        n = normalize(source, rng.choice([None, "zh", "en"]))
        assert n.text == n.text.strip() and "  " not in n.text and "\x1f" not in n.text
        for i in range(len(n.text)):
            assert 0 <= n.starts[i] < n.ends[i] <= len(source)
            assert i == 0 or (n.starts[i - 1] <= n.starts[i] and n.ends[i - 1] <= n.ends[i])
        words = source.split()
        u = Utterance(0, "agent", "S0", 0.0, 1.0, source, tuple(Word(0.0, 1.0, w) for w in words))
        span = word_span(u, rng.randint(0, len(source)), rng.randint(0, len(source) + 2))
        assert span is None or 0 <= span[0] <= span[1] < len(words)
