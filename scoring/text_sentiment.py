"""Valence and arousal from the words of one utterance: snownlp (zh) or VADER (en), corrected for calls.

Both generic models were measured on call speech (``tests/data/emotion_set.jsonl``) and neither is
usable on its own there. snownlp scores plain requests anywhere from 0.001 to 0.7 on its 0–1 scale
("请问营业厅几点关门" 0.03, "麻烦您提供一下身份证号码" 0.004) — exactly where the complaints are too —
so only its top end counts. VADER reads service politeness as joy ("I'd like to check my balance
please" +0.59) and misses complaints without emotion words ("I've been on hold for forty minutes"
0.0). So the models' scores count only outside a neutral band, politeness formulas are removed
before VADER sees the text, and short lists of contact-centre cues (complaints, threats to leave,
escalation, sarcasm, thanks) carry most of the decision.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from scoring.emotion import EmotionOptions

HAN = re.compile(r"[\u4e00-\u9fff]")

# --- Mandarin cues -----------------------------------------------------------------------------
# complaints, waiting, repeated failure, threats to leave or escalate, sarcasm
_ZH_NEGATIVE = re.compile(
    "|".join(
        (
            r"投诉|举报|曝光|报警|律师|起诉|12315|银保监|消协|工信部",
            r"过分|太差|很差|真差|差劲|垃圾|骗子|骗人|欺骗|欺诈|坑人|黑心|乱扣|乱收费",
            r"什么破|破服务|破系统|不像话|离谱|无语|恶心|扯皮|敷衍|推卸",
            r"生气|气死|烦死|受不了|忍无可忍|失望|不满意?|不靠谱|靠谱一点|没用|算了",
            r"凭什么|什么态度|怎么回事|搞什么|到底|想怎么样|不想听|找你们领导|叫你们领导",
            r"销户|注销|退订|不用你们|换一家",
            r"没人(接|管|理|联系|处理|回)|一直没|还是没|还没(到|解决|处理|退)|没(收到|到账|解决|反应|人)",
            r"又(被|扣|让|是|出)|老是|总是|每次都|根本|用不了|闪退|打不开|登不上",
            r"太(慢|高|贵|久|麻烦)|等了(半天|半个|一个|好久|很久)|(第[二三四五六七八九十几]|[三四五六七八九十几]|多少)次",
            r"不知道该找谁|只能这样|白跑|白说|白等|说了也|不对吧|算得不对|呵呵|可真(高|快|好|行)|真是谢谢",
            r"还没(好|修|通|来|回)|怎么(每次|总是|老是|又|还|没|不|能这样)|这么(久|慢|贵|麻烦|难)",
            r"(拿|退|要)不回|(退|用|办|取|登|改|修)不[了好]|打不通|联系不上|等不了|断了|坏了|出问题|故障",
            # an agent's "您别着急" / "不用担心" reassures, it does not complain
            r"说好的|不是这么说|不负责|不给我|不挂|(?<![别不用])着急|急死|(?<![别不用])担心|傻|耍我|糊弄|忽悠",
            r"消费者协会|监管|媒体|不(太|怎么|是很|够|大)(满意|好|行|专业|清楚|方便)",
        )
    )
)
# the subset that says the caller is worked up, not just unhappy: escalation, insults, ultimatums
_ZH_ANGER = re.compile(
    r"投诉|举报|曝光|报警|律师|起诉|银保监|消协|工信部|过分|骗子|欺诈|垃圾|什么破|破服务|气死|受不了|忍无可忍|"
    r"凭什么|什么态度|到底|想怎么样|不想听|找你们领导|叫你们领导|马上|立刻|必须|不负责|不挂|傻|耍我|消费者协会|监管|媒体"
)
# checked on the text with the negative cues removed, so "不满意" never counts as "满意"
_ZH_POSITIVE = re.compile(
    r"谢谢|感谢|多谢|太好了|(?<![不没])满意|不错|辛苦|(?<!没)解决了|很好|挺好|非常好|真好|真棒|专业|耐心|很清楚|愉快|开心|高兴|帮了.{0,2}忙|给力|感激|能接受"
)

# --- English cues ------------------------------------------------------------------------------
_EN_NEGATIVE = re.compile(
    r"\b("
    r"complain\w*|complaint|unacceptable|ridiculous|outrageous|furious|fed up|sick of|had enough|rip[- ]?off|scam|"
    r"useless|pointless|disgusting|disappoint\w*|not happy|unhappy|frustrat\w*|annoy\w*|"
    r"(not|\w+n't) (very |that |really )?(great|good|helpful|clear|fair|acceptable|good enough)|"
    r"(close|closing|cancel|cancell?ing) (my|the) (account|card|contract)|switch(ing)? (banks|providers)|"
    r"cancel\w* my subscription|waste of (my )?time|"
    r"still (hasn'?t|haven'?t|has not|have not|isn'?t|not|no|waiting)|again and again|every single time|"
    r"(second|third|fourth|fifth|tenth) time|nobody (called|calls|got|gets|fixe?s|helps|listens)|no one (called|helps)|"
    r"on hold for|keeps? (crashing|failing|dropping|happening)|can'?t (log|get) in|never (arrived|came|works|worked)|"
    r"(way )?too (high|expensive|slow|long)|(is|was|has been|been) down|completely different|"
    r"(speak|talk) to (a|your|the) (manager|supervisor)|ombudsman|regulator|lawyer|sue you|report you|"
    r"even listening|stop reading|thanks for nothing|just what i needed|oh great|yeah,? right|"
    r"(that'?ll|it'?ll) have to do|"
    r"don'?t tell me|forget it|no refund|(don'?t|do not|can'?t) (understand|see) why|"
    r"always (take|takes|happens)|so long|too long|(was|were) promised|disappeared|gone missing|"
    r"different from what|told me (something else|otherwise)|not getting (my|the|a|any)|"
    r"(haven'?t|hasn'?t|didn'?t|never) (got|get|received?|arrived?)|stressed|worried|anxious|upset|angry|"
    r"irresponsible|consumer (protection|rights)|trading standards|not hanging up|refund me|stupid|idiot|"
    r"a joke|lying|liar|rude|no point|(took|for|taking) ages"
    r")\b",
    re.IGNORECASE,
)
_EN_ANGER = re.compile(
    r"\b(ridiculous|unacceptable|outrageous|furious|fed up|sick of|had enough|scam|disgusting|"
    r"(close|cancel|cancell?ing) my account|(speak|talk) to (a|your|the) (manager|supervisor)|"
    r"ombudsman|regulator|lawyer|sue you|report you|"
    r"even listening|stop reading|don'?t tell me|right now|immediately|irresponsible|consumer protection|"
    r"trading standards|not hanging up|stupid|idiot|a joke|lying|liar)\b",
    re.IGNORECASE,
)
_EN_POSITIVE = re.compile(
    # "not great", "wasn't helpful" are no praise
    r"(?<!not )(?<!n't )(?<!no )(?<!not very )"
    r"\b(thank(s| you)|cheers|great|perfect|brilliant|appreciate\w*|helpful|excellent|wonderful|lovely|"
    r"well done|happy with|sorted|fantastic|big help|saved me|can live with)\b",
    re.IGNORECASE,
)
# service formulas that VADER reads as warmth; they carry no feeling in a call
_EN_FORMULA = re.compile(
    r"\b(please|(i'?d|i would|we'?d|we would) like( to)?|"
    r"(how )?(can|may|could) (i|we) help( you)?( today)?|(anything else )?(i|we) can help (you )?with|"
    r"thank(s| you) for (calling|holding|waiting)|you'?re welcome|that'?s (correct|right)|yes|okay|ok|"
    # an agent's empathy names the caller's feeling without having it: "I understand how frustrating …"
    r"(i|we) (do )?(understand|appreciate|realise|realize|hear) (how|that|why|what|you)[^.,;!?]*|"
    r"sorry (about|for|to hear)[^.,;!?]*)\b",
    re.IGNORECASE,
)
# the same for Mandarin: "理解您的心情", "我明白您很着急", "抱歉给您带来不便"
_ZH_FORMULA = re.compile(r"(理解|明白|知道)您[^，。！？,.!?]*|(抱歉|对不起|不好意思)[^，。！？,.!?]*")


@dataclass(frozen=True)
class TextEmotion:
    valence: float  # -1 … 1
    arousal: float  # 0 … 1: how worked up the words alone sound


def is_chinese(text: str, language: str | None) -> bool:
    """zh/yue by the language code; with none, by script (any Han character)."""
    if language:
        return language.lower().startswith(("zh", "yue", "cmn", "cn"))
    return bool(HAN.search(text))


def text_emotion(text: str, language: str | None, options: EmotionOptions) -> TextEmotion:
    if not text.strip():
        return TextEmotion(0.0, 0.0)
    if is_chinese(text, language):
        return _zh(text, options)
    return _en(text, options)


def _zh(text: str, options: EmotionOptions) -> TextEmotion:
    text = _ZH_FORMULA.sub("，", text)
    negative = _ZH_NEGATIVE.findall(text)
    anger = len(_ZH_ANGER.findall(text))
    positive = len(_ZH_POSITIVE.findall(_ZH_NEGATIVE.sub("", text)))
    model = 0.0
    if len(HAN.findall(text)) > options.short_units:
        score = _snownlp(text)
        lo, hi = options.zh_neutral
        if score > hi:
            model = options.model_weight * (score - hi) / (1 - hi)
        elif score < lo:
            model = -options.model_weight * (lo - score) / lo
    return _combine(model, len(negative), positive, anger, text, options)


def _en(text: str, options: EmotionOptions) -> TextEmotion:
    plain = _EN_FORMULA.sub("", text)
    negative = len(_EN_NEGATIVE.findall(plain))
    anger = len(_EN_ANGER.findall(plain))
    positive = len(_EN_POSITIVE.findall(_EN_NEGATIVE.sub("", plain)))
    model = 0.0
    if re.search(r"[A-Za-z]", plain):
        compound = _vader(plain)
        if len(text.split()) <= options.short_units:
            compound *= 0.5  # "Okay, great." is an acknowledgement more than a feeling
        if text.rstrip().endswith("?") and compound < 0:
            compound *= 0.5  # "Why was I charged twice?" asks before it accuses
        if abs(compound) > options.en_neutral:
            model = compound
    return _combine(model, negative, positive, anger, text, options)


def _combine(model: float, negative: int, positive: int, anger: int, text: str, options: EmotionOptions) -> TextEmotion:
    if negative:
        # a complaint wins over polite or sarcastic words: "真是谢谢你们了，又让我白跑一趟", "thanks for nothing"
        model = min(model, 0.0)
        positive_weight = 0.0
    else:
        positive_weight = options.cue_weight
    valence = model + positive_weight * min(positive, 2) - options.cue_weight * min(negative, 3)
    exclaim = min(text.count("!") + text.count("！"), 2)
    shouted = min(sum(1 for w in re.findall(r"[A-Za-z]{3,}", text) if w.isupper()), 2)
    arousal = 0.35 * min(anger, 2) + 0.1 * min(negative, 2) + 0.15 * exclaim * (negative > 0) + 0.1 * shouted
    return TextEmotion(_clip(valence), _clip(arousal, 0.0))


@cache
def _vader_model() -> Any:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


def _vader(text: str) -> float:
    return float(_vader_model().polarity_scores(text)["compound"])


@cache
def _snownlp_class() -> Any:
    from snownlp import SnowNLP

    return SnowNLP


def _snownlp(text: str) -> float:
    return float(_snownlp_class()(text).sentiments)


def _clip(x: float, lo: float = -1.0) -> float:
    return max(lo, min(1.0, float(x)))
