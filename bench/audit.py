"""``python -m bench.audit``: the auditor's queries on a store of 100,000 generated calls with
about a million findings and two million utterances (SQLite, this machine).

Rows are generated straight into the tables (the pipeline would take days for 100,000 calls);
their shape follows what runs write: 200 agents in 10 teams, 90 days, ~10 findings per call
from 30 rules, Mandarin and English utterances.
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from pathlib import Path
from typing import Any

RULES = [(f"script.rule_{i:02d}", "script", ("major", "minor", "info")[i % 3]) for i in range(24)] + [
    ("pii.agent_reads_number", "pii", "critical"),
    ("pii.card_outside_verification", "pii", "major"),
    ("pii.id_outside_verification", "pii", "major"),
    ("emotion.customer_angry", "emotion", "minor"),
    ("emotion.customer_ends_negative", "emotion", "minor"),
    ("metric.dead_air", "metric", "minor"),
]
SENTENCES = [
    "您好，北风银行，工号一零二四，很高兴为您服务。",
    "我要投诉，你们又多扣了我的年费。",
    "非常抱歉给您带来不便，我马上为您处理。",
    "这个理财产品保证收益，没有任何风险。",
    "Thank you for calling Northwind Bank, how can I help you today?",
    "My card was declined at the store this morning.",
    "Your card number is [BANK_CARD], is that right?",
    "This investment has guaranteed returns, you cannot lose.",
    "Is there anything else I can help you with?",
    "I am really frustrated, this is the third time I call.",
]


def build(url: str, calls: int, seed: int = 7) -> dict[str, int]:
    from sqlalchemy import insert

    from store import open_store, schema

    rng = random.Random(seed)
    store = open_store(url)
    counts = {"calls": 0, "findings": 0, "utterances": 0}
    batch: dict[str, list[dict[str, Any]]] = {"calls": [], "findings": [], "utterances": []}

    def flush() -> None:
        with store.engine.begin() as conn:
            for name in ("calls", "findings", "utterances"):
                if batch[name]:
                    conn.execute(insert(getattr(schema, name)), batch[name])
                    counts[name] += len(batch[name])
                    batch[name] = []

    for n in range(calls):
        call_id = f"c{n:06d}"
        agent = f"A{rng.randrange(200):03d}"
        team = f"team-{int(agent[1:]) % 10}"
        queue = ("cards", "loans", "general")[n % 3]
        day = 1 + rng.randrange(90)
        started = f"2026-{8 + (day - 1) // 30:02d}-{1 + (day - 1) % 30:02d}T{rng.randrange(8, 20):02d}:{n % 60:02d}:00"
        found = rng.sample(RULES, rng.randrange(5, 16))
        auto = any(r[0] == "pii.agent_reads_number" for r in found)
        batch["calls"].append(
            {
                "call_id": call_id,
                "run_id": f"night-{day}",
                "status": "ok",
                "agent_id": agent,
                "team": team,
                "queue": queue,
                "started_at": started,
                "score_total": 0.0 if auto else round(rng.uniform(50, 100), 1),
                "auto_failed": auto,
                "saved_at": started,
            }
        )
        for i, (rule_id, kind, severity) in enumerate(found):
            batch["findings"].append(
                {
                    "call_id": call_id,
                    "idx": i,
                    "rule_id": rule_id,
                    "kind": kind,
                    "severity": severity,
                    "auto_fail": rule_id == "pii.agent_reads_number",
                    "role": "agent",
                    "start_s": round(rng.uniform(0, 300), 2),
                    "evidence": rng.choice(SENTENCES),
                    "explanation": f"{rule_id} fired",
                    "entity_type": "bank_card" if kind == "pii" else None,
                    "agent_id": agent,
                    "team": team,
                    "queue": queue,
                    "call_started_at": started,
                }
            )
        for i in range(20):
            batch["utterances"].append(
                {
                    "call_id": call_id,
                    "idx": i,
                    "role": ("agent", "customer")[i % 2],
                    "start_s": i * 15.0,
                    "end_s": i * 15.0 + 12,
                    "text": rng.choice(SENTENCES),
                }
            )
        if len(batch["findings"]) > 20000:
            flush()
    flush()
    store.close()
    return counts


def queries(url: str) -> list[dict[str, Any]]:
    from audit import Filters, grouped, search, violations
    from store import open_store

    store = open_store(url)
    cases: list[tuple[str, Any]] = [
        (
            "rule, one month",
            lambda: violations(
                store, Filters(rules=("pii.agent_reads_number",), since="2026-09-01", until="2026-09-30")
            ),
        ),
        ("rule prefix", lambda: violations(store, Filters(rules=("pii.*",), agents=("A042",)))),
        (
            "severity critical, one week",
            lambda: violations(store, Filters(severities=("critical",), since="2026-10-01", until="2026-10-07")),
        ),
        (
            "agent, one month",
            lambda: violations(store, Filters(agents=("A007",), since="2026-08-01", until="2026-08-30")),
        ),
        ("team + kind", lambda: violations(store, Filters(teams=("team-3",), kinds=("emotion",), since="2026-10-15"))),
        (
            "queue + entity type",
            lambda: violations(store, Filters(queues=("cards",), entity_types=("bank_card",), since="2026-10-25")),
        ),
        (
            "auto-fail, one day",
            lambda: violations(store, Filters(auto_fail=True, since="2026-09-15", until="2026-09-15")),
        ),
        ("run", lambda: violations(store, Filters(runs=("night-42",), severities=("critical",)))),
        (
            "verdict none, one agent",
            lambda: violations(store, Filters(agents=("A100",), verdict="none", since="2026-10-01")),
        ),
        ("first 100 of everything", lambda: violations(store, Filters(), limit=100)),
        ("group by rule", lambda: grouped(store, Filters(), "rule")),
        ("group by agent, one month", lambda: grouped(store, Filters(since="2026-09-01", until="2026-09-30"), "agent")),
        ("group by day, critical", lambda: grouped(store, Filters(severities=("critical",)), "day")),
        ("search 投诉 (2 chars, below the index)", lambda: search(store, "投诉", Filters(), limit=100)),
        ("search 哈哈 (2 chars, in no call)", lambda: search(store, "哈哈", Filters(), limit=100)),
        ("search 保证收益 (indexed)", lambda: search(store, "保证收益", Filters(), limit=100)),
        (
            "search guaranteed returns, one agent",
            lambda: search(store, "guaranteed returns", Filters(agents=("A001",)), limit=100),
        ),
    ]
    out = []
    for name, run in cases:
        t = time.perf_counter()
        rows = run()
        seconds = time.perf_counter() - t
        out.append({"query": name, "rows": len(rows), "seconds": round(seconds, 3)})
        print(f"  {name:42s} {len(rows):7d} rows {seconds * 1000:8.0f} ms", flush=True)
    store.close()
    return out


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=100_000)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="callqa-bench-audit-"))
    url = f"sqlite:///{folder / 'callqa.db'}"
    t = time.perf_counter()
    counts = build(url, args.calls)
    print(
        f"  store: {counts} in {time.perf_counter() - t:.0f} s ({(folder / 'callqa.db').stat().st_size / 2**20:.0f} MB)"
    )
    timed = queries(url)
    results: dict[str, Any] = {"counts": counts, "queries": timed}
    slowest = max(timed, key=lambda q: q["seconds"])
    print(f"  slowest: {slowest['query']} {slowest['seconds']:.2f} s")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    return results


if __name__ == "__main__":
    main()
