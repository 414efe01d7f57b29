"""Writes ``tests/data/pii_corpus.jsonl``: labelled contact-centre utterances for the PII detectors.

``python -m bench.make_pii_corpus``. Deterministic (fixed seed), so the committed file is exactly
what this script writes; rerun it after changing a template and commit both.

Numbers are made with the project's own validators (a random card is made valid by its Luhn
digit, an ID by its GB 11643 character, an IBAN by its mod-97 digits) and then said the ways
callers say them: digits, groups, English digit words with "double" and "oh", Mandarin digit by
digit with 幺 and 两. Hard negatives are the numbers a contact centre hears all day that are not
personal (orders, tickets, amounts, dates, times, extensions, staff numbers) and numbers one
digit away from valid. Every number here is generated, none is real.

Names, places and addresses are only labelled where a careful annotator would tag them; a
Mandarin surname with a title (王先生, 王经理) is left unlabelled on purpose: the project prefers
precision to recall for names, and one character says little about who is calling.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

from pii import validators

SEED = 20261126
OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "pii_corpus.jsonl"

EN_DIGITS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
ZH_DIGITS = "零一二三四五六七八九"

CN_REGIONS = ["110105", "110108", "310104", "310115", "440305", "440106", "320102", "330106", "510107", "420106"]
CN_REGIONS += ["370202", "610113", "500103", "120104", "210203", "350203", "430104", "130102", "410105", "530102"]
EN_FIRST = ["Sarah", "Michael", "Emily", "David", "Jessica", "Robert", "Laura", "Daniel", "Olivia", "James"]
EN_LAST = ["Johnson", "Thompson", "Patel", "Garcia", "Anderson", "Mitchell", "Robinson", "Walker", "Nguyen", "Clarke"]
EN_CITIES = ["Chicago", "Manchester", "Toronto", "San Diego", "Birmingham", "Seattle", "Dublin", "Houston", "Boston"]
EN_STREETS = ["Maple Street", "Oak Avenue", "Elm Road", "Park Lane", "Cedar Drive", "Victoria Road", "Hill Court"]
ZH_NAMES = "张伟 李娜 王芳 刘洋 陈静 杨帆 赵磊 黄丽 周杰 吴敏 徐涛 孙悦 马超 朱琳".split()  # noqa: SIM905
ZH_ADDRESSES = [
    "北京市朝阳区建国路88号",
    "上海市浦东新区世纪大道100号",
    "广州市天河区体育西路12号",
    "深圳市南山区科技园南路3号",
    "杭州市西湖区文三路259号",
    "成都市武侯区人民南路四段18号",
    "南京市鼓楼区中山北路6号",
    "武汉市洪山区珞喻路1037号",
]
EMAIL_USERS = ["john.smith", "s.patel", "emily_w", "dgarcia77", "laura.m", "zhangwei88", "lina.chen", "wangfang"]
EMAIL_DOMAINS = ["gmail.com", "outlook.com", "yahoo.com", "163.com", "qq.com", "example.org"]


# --- valid numbers ---------------------------------------------------------------------------


def _luhn_complete(r: random.Random, prefix: str, length: int) -> str:
    body = prefix + "".join(r.choice("0123456789") for _ in range(length - len(prefix) - 1))
    return next(body + d for d in "0123456789" if validators.luhn(body + d))


def card(r: random.Random) -> str:
    prefix, length = r.choice([("4", 16), ("5", 16), ("62", 16), ("62", 19), ("37", 15), ("4", 16), ("62", 19)])
    if prefix == "5":
        prefix += r.choice("12345")
    value = _luhn_complete(r, prefix, length)
    return value if validators.bank_card(value) else card(r)


def bad_luhn(value: str) -> str:
    """``value`` with its last digit changed so that Luhn fails: a mis-heard or made-up number."""
    last = (int(value[-1]) + 1) % 10
    return value[:-1] + str(last)


def cn_id(r: random.Random) -> str:
    region = r.choice(CN_REGIONS)
    born = f"{r.randint(1955, 2004)}{r.randint(1, 12):02d}{r.randint(1, 28):02d}"
    first17 = region + born + f"{r.randint(0, 999):03d}"
    return first17 + validators.gb11643_check(first17).upper()


def cn_id_with_x(r: random.Random) -> str:
    while True:
        value = cn_id(r)
        if value.endswith("X"):
            return value


def cn_mobile(r: random.Random) -> str:
    return "1" + r.choice("3456789") + "".join(r.choice("0123456789") for _ in range(9))


def nanp(r: random.Random) -> str:
    while True:
        value = f"{r.randint(200, 989)}{r.randint(200, 999)}{r.randint(0, 9999):04d}"
        if validators.nanp_phone(value):
            return value


def cn_landline(r: random.Random) -> str:
    while True:
        area = r.choice(["010", "021", "020", "0755", "0571", "0512"])
        local = str(r.randint(2, 8)) + "".join(r.choice("0123456789") for _ in range(7))
        if validators.cn_landline(area + local):
            return area + local


def ssn(r: random.Random) -> str:
    while True:
        value = f"{r.randint(1, 665):03d}{r.randint(1, 99):02d}{r.randint(1, 9999):04d}"
        if validators.us_ssn(value):
            return value


def _iban_complete(country: str, bban: str) -> str:
    moved = bban + country + "00"
    number = int("".join(str(int(ch, 36)) for ch in moved.lower()))
    return f"{country}{98 - number % 97:02d}{bban}"


def iban(r: random.Random) -> str:
    country = r.choice(["GB", "DE", "FR", "NL"])
    digits = lambda n: "".join(r.choice("0123456789") for _ in range(n))  # noqa: E731
    letters = lambda n: "".join(r.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ") for _ in range(n))  # noqa: E731
    bban = {
        "GB": lambda: letters(4) + digits(14),
        "DE": lambda: digits(18),
        "FR": lambda: digits(10) + letters(1) + digits(10) + digits(2),
        "NL": lambda: letters(4) + digits(10),
    }[country]()
    value = _iban_complete(country, bban)
    assert validators.iban(value), value
    return value


# --- ways of saying them ---------------------------------------------------------------------


def groups(value: str, sizes: list[int]) -> list[str]:
    out, k = [], 0
    for s in sizes:
        out.append(value[k : k + s])
        k += s
    if k < len(value):
        out.append(value[k:])
    return [g for g in out if g]


def card_groups(value: str) -> list[str]:
    if len(value) == 15:
        return groups(value, [4, 6, 5])
    return groups(value, [4, 4, 4, 4])


def en_words(group: str, r: random.Random) -> str:
    """One digit group as English digit words: "double five", "oh" for zero inside a group."""
    words: list[str] = []
    k = 0
    while k < len(group):
        d = group[k]
        if k + 1 < len(group) and group[k + 1] == d and r.random() < 0.5 and (k + 2 >= len(group) or group[k + 2] != d):
            words.append("double " + EN_DIGITS[int(d)])
            k += 2
            continue
        if d == "0" and 0 < k < len(group) - 1 and r.random() < 0.5:
            words.append("oh")
        else:
            words.append(EN_DIGITS[int(d)])
        k += 1
    return " ".join(words)


def en_spoken(parts: list[str], r: random.Random) -> str:
    return ", ".join(en_words(g, r) for g in parts)


def zh_spoken(parts: list[str], r: random.Random, yao: bool = True) -> str:
    def one(g: str) -> str:
        out = []
        for d in g:
            if d == "1" and yao:
                out.append("幺")
            elif d == "2" and r.random() < 0.15:
                out.append("两")
            elif d.lower() == "x":
                out.append("叉")
            else:
                out.append(ZH_DIGITS[int(d)])
        return "".join(out)

    return "，".join(one(g) for g in parts)


def written(parts: list[str], sep: str) -> str:
    return sep.join(parts)


# --- utterances ------------------------------------------------------------------------------


class Corpus:
    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []

    def add(self, lang: str, text: str, *entities: tuple[str, str]) -> None:
        for _, span in entities:
            assert text.count(span) >= 1, (text, span)
        ident = f"{lang}-{sum(1 for row in self.rows if row['lang'] == lang) + 1:03d}"
        self.rows.append(
            {"id": ident, "lang": lang, "text": text, "entities": [{"type": t, "text": s} for t, s in entities]}
        )


def english(c: Corpus, r: random.Random) -> None:
    for k in range(14):
        value = card(r)
        parts = card_groups(value)
        said = [written(parts, " "), value, en_spoken(parts, r), written(parts, "-")][k % 4]
        template = r.choice(
            [
                "Sure, my card number is {}.",
                "Okay, it's {}.",
                "The card I'd like to use is {} please.",
                "Let me just read that back to you: {}, is that correct?",
                "Yeah the long number on the front is {}.",
                "I have it here, um, {}.",
            ]
        )
        c.add("en", template.format(said), ("bank_card", said))
    for k in range(6):
        value, cvv = card(r), f"{r.randint(100, 999)}"
        parts = card_groups(value)
        said = written(parts, " ") if k % 2 else en_spoken(parts, r)
        cvv_said = cvv if k % 3 else en_words(cvv, r)
        c.add(
            "en",
            f"The card is {said} and the security code on the back is {cvv_said}.",
            ("bank_card", said),
            ("card_cvv", cvv_said),
        )
    for k in range(8):
        cvv = f"{r.randint(100, 999)}" if k != 3 else f"{r.randint(1000, 9999)}"
        cvv_said = cvv if k % 2 else en_words(cvv, r)
        template = r.choice(
            [
                "And the three digits on the back, the CVV? It's {}.",
                "The CVV is {}.",
                "Security code, let me see, {}.",
                "Okay the CVC number is {}.",
            ]
        )
        c.add("en", template.format(cvv_said), ("card_cvv", cvv_said))
    for k in range(8):
        month, year = r.randint(1, 12), r.randint(27, 31)
        said = (
            [f"{month:02d}/{year}", f"{month:02d}/20{year}", f"oh {EN_DIGITS[month]} {year}", f"{month:02d} {year}"][
                k % 4
            ]
            if month < 10
            else [f"{month}/{year}", f"{month}/20{year}", f"{month:02d}/{year}", f"{month} {year}"][k % 4]
        )
        template = r.choice(
            ["The expiry date is {}.", "It expires {}.", "Expiration is {}, I think.", "It's valid thru {}."]
        )
        c.add("en", template.format(said), ("card_expiry", said))
    for k in range(12):
        value = ssn(r)
        parts = groups(value, [3, 2, 4])
        said = [written(parts, "-"), written(parts, " "), en_spoken(parts, r), value][k % 4]
        template = r.choice(
            [
                "My social security number is {}.",
                "Sure, the SSN is {}.",
                "For verification, social security {}.",
                "It's {}, that's my social.",
            ]
        )
        if k % 4 == 3 and "social" not in template:
            template = "My social security number is {}."
        c.add("en", template.format(said), ("us_ssn", said))
    for k in range(14):
        value = nanp(r)
        parts = groups(value, [3, 3, 4])
        said = [
            f"({parts[0]}) {parts[1]}-{parts[2]}",
            written(parts, "-"),
            en_spoken(parts, r),
            written(parts, " "),
            "+1 " + written(parts, " "),
            value,
        ][k % 6]
        template = r.choice(
            [
                "You can reach me at {}.",
                "My cell is {}.",
                "The best number to call me back on is {}.",
                "Yeah, my phone number is {} if you need it.",
                "Please text me on {}.",
            ]
        )
        c.add("en", template.format(said), ("phone", said))
    for k in range(10):
        user, domain = r.choice(EMAIL_USERS), r.choice(EMAIL_DOMAINS)
        if k % 3 == 2:
            said = user.replace(".", " dot ").replace("_", " underscore ") + " at " + domain.replace(".", " dot ")
        else:
            said = f"{user}@{domain}"
        template = r.choice(
            [
                "My email is {}.",
                "Send it to {} please.",
                "The email address on file should be {}.",
                "It's {}, all lower case.",
            ]
        )
        c.add("en", template.format(said), ("email", said))
    for k in range(8):
        value = iban(r)
        said = " ".join(groups(value, [4] * 8)) if k % 2 == 0 else value
        template = r.choice(["My IBAN is {}.", "The account to pay into is {}.", "Please send the refund to IBAN {}."])
        c.add("en", template.format(said), ("iban", said))
    for _ in range(12):
        name = f"{r.choice(EN_FIRST)} {r.choice(EN_LAST)}"
        template = r.choice(
            [
                "Hi, my name is {}.",
                "This is {} calling about my account.",
                "The account holder is {}.",
                "Yes, I'm speaking with {}, right?",
                "I'd like to add {} as an authorised user.",
            ]
        )
        c.add("en", template.format(name), ("person", name))
    for k in range(8):
        city = EN_CITIES[k % len(EN_CITIES)]
        template = r.choice(
            [
                "I'm calling from {} today.",
                "I just moved to {} last month.",
                "The charge was made in {}, which I've never been to.",
            ]
        )
        c.add("en", template.format(city), ("location", city))
    for k in range(8):
        address = f"{r.randint(2, 2400)} {EN_STREETS[k % len(EN_STREETS)]}"
        template = r.choice(["I live at {}.", "Please send the new card to {}.", "My address is {}, apartment four."])
        c.add("en", template.format(address), ("address", address))

    # hard negatives
    for k in range(6):
        value = bad_luhn(card(r))
        parts = card_groups(value)
        said = [written(parts, " "), value, en_spoken(parts, r)][k % 3]
        c.add("en", r.choice(["My card number is {}.", "Let me read it back, {}."]).format(said))
    for k in range(6):
        value = bad_luhn(card(r))[:16]
        while validators.luhn(value):
            value = bad_luhn(value)
        label = ["order number", "tracking number", "reference number"][k % 3]
        c.add("en", f"Your {label} is {value}.")
    for k in range(6):
        label = ["order number", "ticket number", "confirmation number", "case number", "reference", "invoice"][k]
        value = str(r.randint(10**7, 10**10))
        c.add("en", f"The {label} is {value}, please keep it for your records.")
    for _ in range(4):
        value = iban(r)
        broken = value[:-1] + str((int(value[-1]) + 3) % 10)
        c.add("en", f"My IBAN is {broken}.")
    c.add("en", "Your balance is $3,200.50 and the minimum payment is 25 dollars.")
    c.add("en", "I was charged 149.99 dollars twice, so 299.98 in total.")
    c.add("en", "The transfer of $12,450 went out on 03/15/2026.")
    c.add("en", "I'll call you back at ten thirty tomorrow.")
    c.add("en", "The branch opens at 10:30 and closes at 4:45.")
    c.add("en", "Just dial extension 4417 and ask for billing.")
    c.add("en", "My agent number is 1024, I'll stay on the line.")
    c.add("en", "I've called three times this week and waited forty five minutes each time.")
    c.add("en", "The statement from March fifth twenty twenty six shows it.")
    c.add("en", "The card ends in four two one nine.")
    c.add("en", "Your social security number, the example one on the card, 123-45-6789, is not accepted.")
    c.add("en", "The sample SSN 078-05-1120 is the famous wallet card one.")
    c.add("en", "That ad used 219-09-9999, which was never valid.")
    c.add("en", "We have 2 cards on the account and 3 authorized users.")
    c.add("en", "The flight number is 4412 and it lands at 18:05.")
    c.add("en", "It's about 1,200 points, worth roughly 12 dollars.")
    c.add("en", "Version 2.4.1 of the app crashed when I tried to log in.")
    c.add("en", "The promo code is SAVE2026 for 15 percent off.")
    c.add("en", "Your tracking number is 1Z999AA10123456784.")
    c.add("en", "I was on hold from 2:15 to 2:55, that's forty minutes.")
    c.add("en", "The CVV field showed an error code 500 on the website.")
    c.add("en", "Room 1204 at the hotel, the booking number is 77310452.")
    c.add("en", "Please call our fraud line at 1-800-555-0199.")
    c.add("en", "My date of birth is 05/05/1980.")
    c.add("en", "The interest rate went from 19.99 to 24.99 percent.")
    c.add("en", "He said the serial number is 4532015112830367.")
    c.add("en", "I paid two hundred and fifty dollars on the twelfth.")
    c.add("en", "My order number is 5412 7512 3412 3457.")


def mandarin(c: Corpus, r: random.Random) -> None:
    for k in range(16):
        value = card(r)
        while value.startswith("37"):
            value = card(r)
        parts = card_groups(value) if len(value) == 16 else groups(value, [4, 4, 4, 4, 3])
        said = [zh_spoken(parts, r, yao=False), value, written(parts, " "), zh_spoken(parts, r)][k % 4]
        template = r.choice(
            [
                "我的卡号是{}。",
                "卡号是{}，您核对一下。",
                "好的，我跟您确认一下卡号，{}，对吗？",
                "嗯，储蓄卡的号码是{}",
                "我报一下，{}",
                "那张信用卡卡号{}",
            ]
        )
        c.add("zh", template.format(said), ("bank_card", said))
    for k in range(6):
        value, cvv = card(r), f"{r.randint(100, 999)}"
        while value.startswith("37"):
            value = card(r)
        parts = card_groups(value) if len(value) == 16 else groups(value, [4, 4, 4, 4, 3])
        said = zh_spoken(parts, r) if k % 2 else written(parts, " ")
        cvv_said = zh_spoken([cvv], r, yao=False) if k % 3 else cvv
        c.add(
            "zh",
            f"卡号是{said}，卡背面的安全码是{cvv_said}。",
            ("bank_card", said),
            ("card_cvv", cvv_said),
        )
    for k in range(6):
        cvv = f"{r.randint(100, 999)}"
        cvv_said = zh_spoken([cvv], r, yao=False) if k % 2 else cvv
        template = r.choice(["卡片背面后三位是{}。", "安全码是{}。", "背面那三位数字是{}"])
        c.add("zh", template.format(cvv_said), ("card_cvv", cvv_said))
    for k in range(8):
        month, year = r.randint(1, 12), r.randint(27, 31)
        said = [
            f"{month:02d}/{year}",
            zh_spoken([f"{month:02d}", f"{year}"], r, yao=False),
            f"{year}年{month}月",
            f"{ZH_DIGITS[year // 10]}{ZH_DIGITS[year % 10]}年{month}月",
        ][k % 4]
        template = r.choice(["有效期是{}。", "卡的有效期到{}", "到期时间是{}。"])
        c.add("zh", template.format(said), ("card_expiry", said))
    for k in range(18):
        value = cn_id_with_x(r) if k % 4 == 0 else cn_id(r)
        parts = groups(value, [6, 8, 4])
        said = [
            zh_spoken([value], r, yao=False),
            value,
            zh_spoken(parts, r),
            written(parts, " "),
            value.lower() if value.endswith("X") else value,
            zh_spoken(groups(value, [3, 3, 4, 4, 4]), r, yao=False),
        ][k % 6]
        template = r.choice(
            [
                "我的身份证号是{}。",
                "身份证号码{}，您查一下。",
                "证件号是{}",
                "好的，开户的身份证是{}，对吧？",
                "嗯我报一下身份证，{}",
            ]
        )
        c.add("zh", template.format(said), ("cn_id", said))
    for k in range(18):
        value = cn_mobile(r)
        parts = groups(value, [3, 4, 4])
        said = [
            zh_spoken(parts, r),
            value,
            written(parts, " "),
            zh_spoken([value], r),
            "+86 " + value,
            written(parts, "-"),
        ][k % 6]
        template = r.choice(
            [
                "我的手机号是{}。",
                "您打我手机，{}",
                "联系电话{}，随时可以打。",
                "嗯，号码是{}",
                "预留的手机是{}吗？",
                "你记一下，{}，这是我手机",
            ]
        )
        c.add("zh", template.format(said), ("cn_mobile", said))
    for k in range(8):
        value = cn_landline(r)
        area_len = 3 if value[1] in "12" else 4
        parts = [value[:area_len], value[area_len:]]
        said = [zh_spoken(parts, r, yao=False), written(parts, "-"), value, zh_spoken(parts, r)][k % 4]
        template = r.choice(["我家座机是{}。", "公司电话是{}，找我就行。", "您可以打这个固话{}"])
        c.add("zh", template.format(said), ("phone", said))
    for _ in range(8):
        user, domain = r.choice(EMAIL_USERS), r.choice(EMAIL_DOMAINS)
        said = f"{user}@{domain}"
        template = r.choice(["我的邮箱是{}。", "账单发到{}就行", "邮箱地址是{}，谢谢"])
        c.add("zh", template.format(said), ("email", said))
    for _ in range(3):
        value = iban(r)
        c.add("zh", f"境外收款账号IBAN是{value}。", ("iban", value))
    for k in range(12):
        name = ZH_NAMES[k % len(ZH_NAMES)]
        template = r.choice(["您好，我叫{}。", "我是{}，想查一下账单。", "持卡人是{}", "户名是{}，没错", "{}先生您好"])
        if template.startswith("{}先生") and k % 2:
            template = "{}女士您好，这边是客服中心"
        c.add("zh", template.format(name), ("person", name))
    for k in range(8):
        address = ZH_ADDRESSES[k % len(ZH_ADDRESSES)]
        template = r.choice(["我住在{}。", "新卡寄到{}就行", "地址是{}，麻烦您了"])
        c.add("zh", template.format(address), ("address", address))

    # hard negatives
    for k in range(6):
        value = bad_luhn(card(r))
        parts = card_groups(value) if len(value) in (15, 16) else groups(value, [4, 4, 4, 4, 3])
        said = [zh_spoken(parts, r), value, written(parts, " ")][k % 3]
        c.add("zh", r.choice(["我的卡号是{}。", "卡号{}"]).format(said))
    for k in range(6):
        value = cn_id(r)
        broken = value[:16] + str((int(value[16]) + 1) % 10) + value[17]
        if validators.cn_id(broken):
            broken = value[:17] + ("1" if value[17] != "1" else "2")
        said = broken if k % 2 else zh_spoken([broken], r, yao=False)
        c.add("zh", f"身份证号是{said}。")
    for k in range(6):
        value = bad_luhn(card(r))[:16]
        while validators.luhn(value):
            value = bad_luhn(value)
        label = ["订单号", "快递单号", "流水号", "工单编号", "订单编号", "交易流水"][k]
        c.add("zh", f"您的{label}是{value}，请留意。")
    for _ in range(4):
        value = cn_mobile(r)
        c.add("zh", f"订单号是{value}，您查一下物流。")
    c.add("zh", "您好，工号1024为您服务。")
    c.add("zh", "我是工号幺零二四的客服。")
    c.add("zh", "这笔消费金额是三千二百元。")
    c.add("zh", "账户余额还有一万二千三百元。")
    c.add("zh", "本期应还款¥3,200.50，最低还款320元。")
    c.add("zh", "我二零二六年五月五号办的卡。")
    c.add("zh", "明天上午十点半给您回电。")
    c.add("zh", "营业时间是09:00到17:30。")
    c.add("zh", "您转分机号八零一二就可以了。")
    c.add("zh", "我打了三次电话，等了二十分钟。")
    c.add("zh", "卡号后四位是四二一九。")
    c.add("zh", "短信验证码是四五六七，五分钟内有效。")
    c.add("zh", "您的快递单号是SF1234567890123。")
    c.add("zh", "这个月一共刷了十五笔，利率是百分之十八。")
    c.add("zh", "出生日期是一九八五年五月五号。")
    c.add("zh", "积分有两万三千分，可以兑换礼品。")
    c.add("zh", "客服热线是九五五八八。")
    c.add("zh", "分期十二期，每期手续费是三十六块五。")
    c.add("zh", "您的案件编号是二零二六一一二六零零三四。")
    c.add("zh", "保单号是8806123456789012。")
    c.add("zh", "我八点零五分到的，排了一百二十三号。")
    c.add("zh", "我们这边有两张卡，三个附属卡持卡人。")
    c.add("zh", "您好，王先生，请问有什么可以帮您？")
    c.add("zh", "还款日是每个月的二十五号。")


def hard_cases(c: Corpus, r: random.Random) -> None:
    """Written by hand, each one a way real calls differ from the templates above."""
    v = card(r)
    while len(v) != 16:
        v = card(r)
    spoken = en_spoken(card_groups(v), r)
    c.add(
        "en",
        f"Okay, card {spoken}, expiry oh nine twenty eight, and the CVV is four one two.",
        ("bank_card", spoken),
        ("card_expiry", "oh nine twenty eight"),
        ("card_cvv", "four one two"),
    )
    p = nanp(r)
    said = f"{p[:3]} {p[3:6]} {p[6:]}"
    c.add("en", f"My number is {said}, and the order was 55123.", ("phone", said))
    c.add(
        "en",
        "You can call me on plus four four seven nine one one, one two three four five six.",
        ("phone", "plus four four seven nine one one, one two three four five six"),
    )
    c.add("en", "My UK mobile is 07700 900123.", ("phone", "07700 900123"))
    c.add("en", "The charge of $45.00 was on the card ending 0366.")
    s_ = ssn(r)
    said = f"{s_[:3]} {s_[3:5]} {s_[5:]}"
    c.add("en", f"Social is {said}.", ("us_ssn", said))
    c.add("en", "My zip code is 60614.")
    c.add(
        "en", "Sure, it's m dot chen at outlook dot com, that's my email.", ("email", "m dot chen at outlook dot com")
    )
    c.add("en", "I'm at 221 Baker Street in London.", ("address", "221 Baker Street"), ("location", "London"))
    c.add("en", "Hi, this is Priya Sharma from the billing team.", ("person", "Priya Sharma"))
    c.add("en", "My date of birth is 12/04/1985.")
    c.add("en", "The transaction ID is 202611260034.")
    c.add("en", "I called at 9:45 and again at eleven fifteen.")
    c.add("en", "Your new PIN will arrive in 5 to 7 business days.")
    c.add("en", "The last payment of 1,250 dollars was on the third.")
    c.add("en", "I bought it on Amazon for about 80 bucks.")
    c.add("en", "The error says code 4012 8888 8888 1881 is not supported.")
    v = card(r)
    c.add("en", f"Card's {v}. Expires 11/29.", ("bank_card", v), ("card_expiry", "11/29"))
    c.add("en", "Is that Mr. Okafor? Daniel Okafor?", ("person", "Okafor"), ("person", "Daniel Okafor"))
    c.add("en", "I flew from Denver to Atlanta on Tuesday.", ("location", "Denver"), ("location", "Atlanta"))
    c.add("en", "Press one for billing, two for cards, or nine to repeat.")
    c.add("en", "We'll refund 3 payments of 19.99 each.")
    m = cn_mobile(r)
    i = cn_id(r)
    zm, zi = zh_spoken(groups(m, [3, 4, 4]), r), zh_spoken([i], r, yao=False)
    c.add("zh", f"我手机是{zm}，身份证是{zi}。", ("cn_mobile", zm), ("cn_id", zi))
    m = cn_mobile(r)
    c.add("zh", f"号码{m}，{i}是身份证。", ("cn_mobile", m), ("cn_id", i))
    c.add("zh", "请问是李明先生吗？", ("person", "李明"))
    c.add("zh", "我现在人在深圳，卡在这边刷不了。", ("location", "深圳"))
    c.add("zh", "我是从成都打过来的。", ("location", "成都"))
    v = card(r)
    while len(v) != 19:
        v = card(r)
    zv = zh_spoken(groups(v, [4, 4, 4, 4, 3]), r)
    c.add("zh", f"嗯，卡号是{zv}，十九位的。", ("bank_card", zv))
    c.add("zh", "这个订单金额是一千三百八十八元。")
    c.add("zh", "我是九零年的，今年三十六。")
    c.add("zh", "房间号是一二零八，酒店订单号是幺二三四五六七八。")
    c.add("zh", "验证码是幺二三四五六。")
    c.add("zh", "有效期零九二八，背面是三七二。", ("card_expiry", "零九二八"), ("card_cvv", "三七二"))
    c.add("zh", "客服电话是九五五八八，您打过去问。")
    c.add("zh", "快递寄到杭州市西湖区文三路就行。", ("address", "杭州市西湖区文三路"))
    c.add("zh", "您好，王经理让我打给您的。")
    c.add("zh", "一共是两千五百块，分十二期。")
    c.add("zh", "尾号五六七八的那张卡。")
    c.add("zh", "我朋友张小红也办了一张。", ("person", "张小红"))
    e = "wangfang@qq.com"
    c.add("zh", f"邮箱{e}，您发过来就行。", ("email", e))
    c.add("zh", "我在2026年11月26日下午三点打过电话。")
    c.add("zh", "您的卡已经在去年十月份到期了。")


def main() -> None:
    r = random.Random(SEED)
    c = Corpus()
    english(c, r)
    mandarin(c, r)
    hard_cases(c, r)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with OUT.open("w", encoding="utf-8") as f:
        for row in c.rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    langs = [row["lang"] for row in c.rows]
    print(f"wrote {len(c.rows)} utterances ({langs.count('zh')} zh, {langs.count('en')} en) to {OUT}")


if __name__ == "__main__":
    main()
