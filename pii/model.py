"""What a PII detector found: one entity in one utterance, with its place in the text and the audio."""

from __future__ import annotations

from dataclasses import dataclass

# Entity types, each with the tag that replaces it in everything callqa writes.
ENTITY_TYPES: dict[str, str] = {
    "bank_card": "BANK_CARD",  # 16–19 digits, Luhn (UnionPay, Visa, Mastercard, …)
    "card_cvv": "CARD_CVV",  # 3–4 digits said near a card number or a CVV prompt
    "card_expiry": "CARD_EXPIRY",  # MM/YY said near a card number or an expiry prompt
    "cn_id": "CN_ID",  # mainland resident ID, 18 characters, GB 11643 check digit
    "cn_mobile": "CN_MOBILE",  # 1[3-9] + 9 digits, optional +86
    "phone": "PHONE",  # other phone numbers (NANP, international, mainland landlines)
    "us_ssn": "US_SSN",
    "email": "EMAIL",
    "iban": "IBAN",  # ISO 13616, mod-97 check
    "person": "PERSON",
    "location": "LOCATION",
    "address": "ADDRESS",
    # a card's or an ID's length of digits, said while cards or IDs are the topic, whose check digit
    # fails: most often the real number misheard by ASR. Masked; no policy rule counts it unless it says so.
    "number": "NUMBER",
}

# Numbers whose digits can be checked or are unambiguous; the rest are names and places.
NUMERIC_TYPES = frozenset({"bank_card", "card_cvv", "card_expiry", "cn_id", "cn_mobile", "phone", "us_ssn", "iban"})


@dataclass(frozen=True)
class Entity:
    """One piece of sensitive data in one utterance.

    ``start``/``end`` index the utterance's original ``text`` (what was heard, before
    normalization); ``start_s``/``end_s`` are the audio times of the words that carry it (the
    utterance's own times when it has no words). ``value`` is the normalized form (digits for
    numbers) and must never be written anywhere.
    """

    type: str
    utterance: int  # index into the utterances that were searched
    start: int
    end: int
    start_s: float
    end_s: float
    value: str
    detector: str
    confidence: float = 1.0

    @property
    def tag(self) -> str:
        return ENTITY_TYPES[self.type]
