"""Checks on the value of a candidate entity: checksums, number plans, plausible dates.

Each function takes the normalized value (digits, or lower-case letters and digits for an IBAN)
and answers whether it can be that entity. They know nothing about context: the detectors decide
whether context is needed. ``VALIDATORS`` maps each numeric entity type to its check, the hook
the detectors (and a caller who wants to re-check a value) use.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable

__all__ = [
    "VALIDATORS",
    "bank_card",
    "card_cvv",
    "card_expiry",
    "cn_id",
    "cn_landline",
    "cn_mobile",
    "gb11643_check",
    "iban",
    "international_phone",
    "luhn",
    "nanp_phone",
    "phone",
    "us_ssn",
]


def luhn(digits: str) -> bool:
    """The Luhn (mod 10) check of payment card numbers."""
    if not digits.isdigit() or len(digits) < 2:
        return False
    total = 0
    for k, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if k % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def bank_card(digits: str) -> bool:
    """16–19 digits passing Luhn (15 for American Express, 34/37), not starting with 0.

    An all-same-digit string passes Luhn for some lengths and is never a card.
    """
    if not digits.isdigit() or digits[0] == "0" or len(set(digits)) < 3:
        return False
    if len(digits) == 15:
        return digits[:2] in ("34", "37") and luhn(digits)
    return 16 <= len(digits) <= 19 and luhn(digits)


_GB11643_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))
_GB11643_CHECK = "10x98765432"  # check character for (sum of weighted digits) mod 11


def gb11643_check(first17: str) -> str:
    """The check character (0-9 or ``x``) GB 11643 (ISO 7064 MOD 11-2) gives 17 digits."""
    return _GB11643_CHECK[sum(int(c) * w for c, w in zip(first17, _GB11643_WEIGHTS, strict=True)) % 11]


def cn_id(value: str, today: _dt.date | None = None) -> bool:
    """Mainland resident ID: region, a real birth date (1900 to today), sequence, check character."""
    value = value.lower()
    if len(value) != 18 or not value[:17].isdigit() or value[17] not in "0123456789x":
        return False
    if value[0] not in "1234568":  # the province code's first digit (7 is unused, 8 is HK/MO/TW)
        return False
    try:
        born = _dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return False
    if not (_dt.date(1900, 1, 1) <= born <= (today or _dt.date.today())):
        return False
    return gb11643_check(value[:17]) == value[17]


def cn_mobile(digits: str) -> bool:
    """Mainland mobile: 1[3-9] and 9 more digits, optionally after 86 or 0086."""
    for prefix in ("0086", "86"):
        if digits.startswith(prefix) and len(digits) == 11 + len(prefix):
            digits = digits[len(prefix) :]
            break
    return len(digits) == 11 and digits.isdigit() and digits[0] == "1" and digits[1] in "3456789"


def nanp_phone(digits: str) -> bool:
    """North American number: [2-9]XX [2-9]XX XXXX, optionally after a 1; not N11 service codes."""
    if len(digits) == 11 and digits[0] == "1":
        digits = digits[1:]
    if len(digits) != 10 or not digits.isdigit():
        return False
    area, exchange = digits[:3], digits[3:6]
    if area[0] in "01" or exchange[0] in "01" or area[1:] == "11" or exchange[1:] == "11":
        return False
    return area != "555" and exchange + digits[6:8] != "55501"  # 555-01XX is reserved for fiction


def cn_landline(digits: str) -> bool:
    """Mainland landline with its area code: 010/02X + 8 digits, or 0XXX + 7–8 digits."""
    if not digits.isdigit() or len(digits) < 10 or digits[0] != "0" or digits[1] == "0":
        return False
    if digits[1] in "12":
        return len(digits) == 11 and digits[3] not in "01"
    return len(digits) in (11, 12) and digits[4] not in "01"


# ITU country codes that start a number after "+": one digit (1 NANP, 7 Russia/Kazakhstan), two
# digits (most of Europe and Asia), else three. Only the length matters for the check below.
_CC2 = frozenset(
    [
        "20",
        "27",
        "30",
        "31",
        "32",
        "33",
        "34",
        "36",
        "39",
        "40",
        "41",
        "43",
        "44",
        "45",
        "46",
        "47",
        "48",
        "49",
        "51",
        "52",
        "53",
        "54",
        "55",
        "56",
        "57",
        "58",
        "60",
        "61",
        "62",
        "63",
        "64",
        "65",
        "66",
        "81",
        "82",
        "84",
        "86",
        "90",
        "91",
        "92",
        "93",
        "94",
        "95",
        "98",
    ]
)


def international_phone(digits: str) -> bool:
    """Digits said after a "+": a country code and a national number, 8 to 15 digits in all (E.164)."""
    if not digits.isdigit() or not 8 <= len(digits) <= 15 or digits[0] == "0":
        return False
    if digits[0] == "1":
        return nanp_phone(digits)
    if digits.startswith("86"):
        return cn_mobile(digits) or cn_landline("0" + digits[2:])
    cc = 1 if digits[0] == "7" else 2 if digits[:2] in _CC2 else 3
    national = digits[cc:]
    return 6 <= len(national) <= 13 and len(set(national)) > 2


def phone(digits: str) -> bool:
    """Any phone number this module knows that is not a mainland mobile."""
    return nanp_phone(digits) or cn_landline(digits)


def us_ssn(digits: str) -> bool:
    """US social security number: area not 000/666/9XX, group not 00, serial not 0000."""
    if len(digits) != 9 or not digits.isdigit():
        return False
    area, group, serial = digits[:3], digits[3:5], digits[5:]
    if area in ("000", "666") or area[0] == "9" or group == "00" or serial == "0000":
        return False
    return digits not in ("123456789", "078051120", "219099999")  # examples printed on cards and in ads


def card_cvv(digits: str) -> bool:
    return len(digits) in (3, 4) and digits.isdigit()


def card_expiry(value: str) -> bool:
    """MMYY or MMYYYY (separators removed) with a real month and a year near today."""
    if not value.isdigit() or len(value) not in (4, 6):
        return False
    month, year = int(value[:2]), int(value[2:])
    if len(value) == 6 and not 2000 <= year <= 2099:
        return False
    year %= 100
    this_year = _dt.date.today().year % 100
    return 1 <= month <= 12 and this_year - 10 <= year <= this_year + 15


# ISO 13616 lengths per country (the whole IBAN, letters and digits).
_IBAN_LENGTHS = {
    **dict.fromkeys(("no",), 15),
    **dict.fromkeys(("be",), 16),
    **dict.fromkeys(("dk", "fi", "fo", "gl", "nl"), 18),
    **dict.fromkeys(("mk", "si"), 19),
    **dict.fromkeys(("at", "ba", "ee", "kz", "lt", "lu", "xk"), 20),
    **dict.fromkeys(("ch", "hr", "li", "lv"), 21),
    **dict.fromkeys(("bg", "bh", "cr", "de", "ge", "gb", "ie", "me", "rs", "va"), 22),
    **dict.fromkeys(("ae", "gi", "il", "iq", "tl"), 23),
    **dict.fromkeys(("ad", "cz", "es", "md", "pk", "ro", "sa", "se", "sk", "tn", "vg"), 24),
    **dict.fromkeys(("pt", "st"), 25),
    **dict.fromkeys(("is", "tr"), 26),
    **dict.fromkeys(("fr", "gr", "it", "mc", "mr", "sm"), 27),
    **dict.fromkeys(("al", "az", "by", "cy", "do", "gt", "hu", "lb", "pl", "sv"), 28),
    **dict.fromkeys(("br", "eg", "ps", "qa", "ua"), 29),
    **dict.fromkeys(("jo", "kw", "mu"), 30),
    **dict.fromkeys(("mt", "sc"), 31),
    **dict.fromkeys(("lc",), 32),
}


def iban(value: str) -> bool:
    """ISO 13616: a known country, its length, two check digits, and the whole number mod 97 == 1."""
    value = value.replace(" ", "").lower()
    if _IBAN_LENGTHS.get(value[:2]) != len(value) or not value[2:4].isdigit() or not value.isalnum():
        return False
    if not value.isascii():
        return False
    moved = value[4:] + value[:4]
    number = "".join(str(int(ch, 36)) for ch in moved)
    return int(number) % 97 == 1


VALIDATORS: dict[str, Callable[[str], bool]] = {
    "bank_card": bank_card,
    "card_cvv": card_cvv,
    "card_expiry": card_expiry,
    "cn_id": cn_id,
    "cn_mobile": cn_mobile,
    "phone": lambda d: phone(d) or international_phone(d),
    "us_ssn": us_ssn,
    "iban": iban,
}
