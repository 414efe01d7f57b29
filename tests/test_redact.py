"""Masking text, words and evidence: offsets, merged words, mask modes."""

from __future__ import annotations

import pytest

from pii.model import Entity
from pii.redact import RedactOptions, mask_for, redact_mentions, redact_text, redact_utterance
from qa.model import Utterance, Word


def _entity(type_: str, start: int, end: int, value: str, utterance: int = 0) -> Entity:
    return Entity(type_, utterance, start, end, 0.0, 0.0, value, "test")


@pytest.mark.parametrize(
    ("type_", "value", "mode", "mask"),
    [
        ("bank_card", "4532015112830366", "tag", "[BANK_CARD]"),
        ("bank_card", "4532015112830366", "last4", "[BANK_CARD …0366]"),
        ("cn_id", "11010519491231002x", "last4", "[CN_ID …002X]"),
        ("card_cvv", "741", "last4", "[CARD_CVV]"),  # four digits would be the whole secret
        ("card_expiry", "0927", "last4", "[CARD_EXPIRY]"),
        ("person", "john smith", "last4", "[PERSON]"),
        ("cn_mobile", "1381234", "last4", "[CN_MOBILE]"),  # too short to show any of it
    ],
)
def test_masks(type_: str, value: str, mode: str, mask: str):
    assert mask_for(_entity(type_, 0, 1, value), mode) == mask


def test_mask_mode_is_validated():
    RedactOptions("last4").validate()
    with pytest.raises(ValueError, match="tag, last4"):
        RedactOptions("stars").validate()


def test_redacted_text_maps_offsets_into_and_around_masks():
    text = "card 4532 0151 1283 0366 ok, phone 13812345678."
    r = redact_text(text, [(35, 46, "[CN_MOBILE]"), (5, 24, "[BANK_CARD]")])
    assert r.text == "card [BANK_CARD] ok, phone [CN_MOBILE]."
    assert r.span(0, 4) == (0, 4)
    assert r.span(5, 24) == (5, 16)
    assert r.span(10, 12) == (5, 16)  # inside a mask: the whole mask, never half of it
    assert r.text[slice(*r.span(25, 27))] == "ok"
    assert r.text[slice(*r.span(0, len(text)))] == r.text


def test_words_carrying_an_entity_merge_into_one_masked_word():
    text = "it's four five three two, zero one five one, thanks"
    tokens = text.split()
    words = tuple(Word(i * 0.5, i * 0.5 + 0.4, w) for i, w in enumerate(tokens))
    u = Utterance(3, "customer", "S1", 0.0, 6.0, text, words)
    start = text.index("four")
    end = text.index("one,") + 3
    out = redact_utterance(u, [_entity("bank_card", start, end, "45320151")])
    assert out.text == "it's [BANK_CARD], thanks"
    assert [w.text for w in out.words] == ["it's", "[BANK_CARD],", "thanks"]
    merged = out.words[1]
    assert (merged.start, merged.end) == (0.5, 4.4)  # first digit word's start, last one's end
    assert out.id == 3 and out.role == "customer"


def test_a_word_holding_more_than_the_entity_keeps_the_rest():
    text = "卡号6222021234567890128谢谢"
    u = Utterance(
        0, "customer", "S1", 0.0, 3.0, text, (Word(0.0, 2.0, "卡号6222021234567890128"), Word(2.0, 3.0, "谢谢"))
    )
    out = redact_utterance(u, [_entity("bank_card", 2, 21, "6222021234567890128")], "last4")
    assert out.text == "卡号[BANK_CARD …0128]谢谢"
    assert [w.text for w in out.words] == ["卡号[BANK_CARD …0128]", "谢谢"]


def test_without_entities_the_utterance_is_unchanged():
    u = Utterance(0, "agent", "S0", 0.0, 1.0, "hello", (Word(0.0, 1.0, "hello"),))
    assert redact_utterance(u, []) is u


def test_mentions_in_free_text_are_masked_longest_first():
    assert redact_mentions("matched '4532 0151' and '4532'", ["4532", "4532 0151"], ["[A]", "[B]"]) == (
        "matched '[B]' and '[A]'"
    )


def test_the_companys_own_name_is_never_masked_as_a_place():
    from pii.detect import allowed_out

    u = Utterance(0, "agent", "S0", 0.0, 2.0, "Thank you for calling Northwindbank, this is Alex.")
    place = _entity("location", 22, 35, "northwindbank")
    person = _entity("person", 45, 49, "alex")
    kept = allowed_out((place, person), (u,), ("Northwind Bank",))
    assert kept == [person]
