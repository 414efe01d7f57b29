"""The small parts of a night's run: keys, the lock, re-scoring entities, threads per worker."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import replace

import pytest

from asr import AsrOptions
from batch.executor import threads_per_worker
from batch.keys import model_identity, run_keys
from batch.lock import FileLock, Holder, read_holder
from batch.rescore import entities_from_rows
from pii.audio import AudioRedactOptions
from pii.detect import PiiOptions
from qa.analyse import AnalysisOptions
from qa.errors import CallqaError
from qa.model import CallResult, Source, Utterance
from qa.pipeline import PipelineOptions
from rules import load_pack

BASE = PipelineOptions()


def keys(options: PipelineOptions = BASE, audio: AudioRedactOptions | None = None):
    return run_keys(options, model_identity(options), audio)


@pytest.mark.parametrize(
    ("changed", "work_changes"),
    [
        (replace(BASE, asr=replace(BASE.asr, model="tiny.en")), True),
        (replace(BASE, asr=replace(BASE.asr, beam_size=1)), True),
        (replace(BASE, asr=replace(BASE.asr, language="zh")), True),
        (replace(BASE, analysis=replace(BASE.analysis, pii=PiiOptions(ner=False))), True),
        (replace(BASE, analysis=replace(BASE.analysis, emotion=None)), True),
        # where and how fast it runs is not what it produced
        (replace(BASE, asr=replace(BASE.asr, device="cpu", cpu_threads=1, batch_size=4)), False),
        (replace(BASE, analysis=replace(BASE.analysis, rules=load_pack("bank-en"))), False),
    ],
)
def test_work_key_follows_what_shapes_the_transcript(changed, work_changes):
    a, b = keys(), keys(changed)
    assert (a.work_key("ab" * 32, {}) != b.work_key("ab" * 32, {})) is work_changes


def test_rules_key_follows_the_pack_and_metadata_but_not_the_work():
    en = keys(replace(BASE, analysis=AnalysisOptions(rules=load_pack("bank-en"))))
    zh = keys(replace(BASE, analysis=AnalysisOptions(rules=load_pack("bank-zh"))))
    work = en.work_key("cd" * 32, {})
    assert work == zh.work_key("cd" * 32, {})
    assert en.rules_key(work, {}) != zh.rules_key(work, {})
    assert en.rules_key(work, {"agent_id": "A1"}) != en.rules_key(work, {"agent_id": "A2"})
    # language and channel map steer ASR and roles: part of the work, not just the rules
    assert en.work_key("cd" * 32, {"language": "zh"}) != work
    assert en.work_key("cd" * 32, {"agent_id": "A1"}) == work


def test_model_identity_without_loading_it():
    assert model_identity(BASE).startswith("base@")
    assert model_identity(replace(BASE, asr=AsrOptions(model="large-v3"))) == "large-v3@hub"


def test_threads_per_worker_never_oversubscribe():
    assert [threads_per_worker(w, 8) for w in (1, 2, 3, 4, 8, 16)] == [8, 4, 2, 2, 1, 1]


def test_lock_names_its_holder_and_is_exclusive(tmp_path):
    me = Holder("box-1", 123, "2026-11-27T01:00:00+00:00", "run-a")
    with FileLock(tmp_path / "lock", me):
        assert read_holder(tmp_path / "lock") == me
        with pytest.raises(CallqaError) as e:
            FileLock(tmp_path / "lock", Holder.me()).acquire()
        assert e.value.code == "run.locked" and "box-1" in str(e.value) and "pid 123" in str(e.value)
    with FileLock(tmp_path / "lock", Holder.me()):  # released: free
        pass


def test_a_lock_left_by_a_killed_process_is_taken_over(tmp_path):
    code = (
        "import sys, time; from pathlib import Path; from batch.lock import FileLock, Holder\n"
        "FileLock(Path(sys.argv[1]), Holder.me('dead')).acquire(); print('held', flush=True); time.sleep(60)\n"
    )
    child = subprocess.Popen([sys.executable, "-c", code, str(tmp_path / "lock")], stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None and child.stdout.readline().strip() == "held"
    with pytest.raises(CallqaError):
        FileLock(tmp_path / "lock", Holder.me()).acquire()
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    time.sleep(0.1)
    with FileLock(tmp_path / "lock", Holder.me("next")):
        holder = read_holder(tmp_path / "lock")
        assert holder is not None and holder.run_id == "next" and holder.pid == os.getpid()


@pytest.mark.parametrize(
    ("text", "rows", "expected"),
    [
        ("my card is [BANK_CARD] ok", [("bank_card", "[BANK_CARD]")], [(11, 22, "")]),
        ("[PERSON] and [PERSON]", [("person", "[PERSON]"), ("person", "[PERSON]")], [(0, 8, ""), (13, 21, "")]),
        ("ends [BANK_CARD …0366]", [("bank_card", "[BANK_CARD …0366]")], [(5, 22, "000000000366")]),
        ("edited by hand", [("person", "[PERSON]")], []),  # the mask is gone: nothing to point at
    ],
)
def test_entities_are_rebuilt_over_the_masks(text, rows, expected):
    from pii.redact import mask_for

    u = Utterance(7, "agent", "S0", 1.0, 3.0, text)
    pii = tuple({"type": t, "utterance": 7, "start": 1.5, "end": 2.0, "mask": m, "detector": "x"} for t, m in rows)
    result = CallResult("c", "ok", Source("c.json", None), utterances=(u,), pii=pii)
    found = entities_from_rows(result)
    assert [(e.start, e.end, e.value) for e in found] == expected
    for e, (_, mask) in zip(found, rows, strict=False):
        assert text[e.start : e.end] == mask
        assert mask_for(e, "last4" if "…" in mask else "tag") == mask  # masking it again changes nothing


def test_rule_packs_travel_to_workers_intact():
    import pickle

    pack = load_pack("bank-zh")
    copy = pickle.loads(pickle.dumps(pack))
    assert (copy.identity, copy.card, copy.requires) == (pack.identity, pack.card, pack.requires)
    assert [r.id for r in copy.rules] == [r.id for r in pack.rules]
