"""From words and turns to utterances, and diarization to RTTM."""

from __future__ import annotations

from diarize import join_words, to_rttm, utterances_from_words
from qa.model import SpeakerTurn, SpeakerTurns, Word


def _w(start: float, text: str, dur: float = 0.3) -> Word:
    return Word(start, start + dur, text, 0.9)


def test_stereo_words_keep_their_channel_and_overlap():
    turns = SpeakerTurns("channels", (), ("SPEAKER_00", "SPEAKER_01"))
    words = {0: [_w(0.0, "hello"), _w(0.4, "there")], 1: [_w(0.5, "hi")]}
    utts = utterances_from_words(turns, words, gap_s=1.0)
    assert [(u.speaker, u.channel, u.text) for u in utts] == [
        ("SPEAKER_00", 0, "hello there"),
        ("SPEAKER_01", 1, "hi"),
    ]
    assert utts[0].end > utts[1].start  # overtalk is kept, not resolved away


def test_mono_words_follow_the_turns_and_pauses_split_utterances():
    turns = SpeakerTurns(
        "embedded",
        (
            SpeakerTurn("SPEAKER_00", 0.0, 2.0, 0),
            SpeakerTurn("SPEAKER_01", 2.0, 4.0, 0),
            SpeakerTurn("SPEAKER_00", 6.0, 9.0, 0),
        ),
        ("SPEAKER_00", "SPEAKER_01"),
    )
    words = {0: [_w(0.1, "a"), _w(0.5, "b"), _w(2.2, "c"), _w(2.6, "d"), _w(6.5, "e"), _w(8.5, "f")]}
    utts = utterances_from_words(turns, words, gap_s=1.0)
    assert [(u.speaker, u.text) for u in utts] == [
        ("SPEAKER_00", "a b"),
        ("SPEAKER_01", "c d"),
        ("SPEAKER_00", "e"),
        ("SPEAKER_00", "f"),  # 1.7 s pause
    ]
    assert [u.id for u in utts] == [0, 1, 2, 3]


def test_a_word_between_turns_goes_to_the_nearest():
    turns = SpeakerTurns("embedded", (SpeakerTurn("S_A", 0.0, 1.0, 0), SpeakerTurn("S_B", 5.0, 6.0, 0)), ("S_A", "S_B"))
    utts = utterances_from_words(turns, {0: [_w(4.5, "x", 0.2)]}, gap_s=1.0)
    assert utts[0].speaker == "S_B"


def test_join_words_in_chinese_and_english():
    assert join_words([_w(0, "您好"), _w(1, "，"), _w(2, "工号"), _w(3, "1024")]) == "您好，工号1024"
    assert join_words([_w(0, "Hello,"), _w(1, "I'm"), _w(2, "Alex.")]) == "Hello, I'm Alex."


def test_rttm_lines_are_standard():
    turns = SpeakerTurns(
        "channels", (SpeakerTurn("SPEAKER_01", 1.25, 2.5, 1), SpeakerTurn("SPEAKER_00", 0.5, 1.0, 0)), ()
    )
    lines = to_rttm("客户 call 1", turns).splitlines()
    assert lines == [
        "SPEAKER 客户_call_1 1 0.500 0.500 <NA> <NA> SPEAKER_00 <NA> <NA>",
        "SPEAKER 客户_call_1 2 1.250 1.250 <NA> <NA> SPEAKER_01 <NA> <NA>",
    ]
