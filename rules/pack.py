"""Rule packs: versioned YAML files of script-compliance rules, loaded and validated.

Every error names the file, the line and the rule id, and lists the valid choices.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path
from typing import Any

# imported for their side effect: each registers its condition types
import rules.emotion_conditions  # emotion.v1
import rules.metric_conditions  # metric.v1, silence.v1, interruption.v1
import rules.pii_conditions  # noqa: F401  (pii.v1)
from qa.errors import CallqaError
from rules.conditions import REGISTRY, Condition, Env, build_condition
from rules.errors import PackError
from rules.metrics import MetricOptions
from rules.yamlines import LDict, load_yaml
from scoring.scorecard import Scorecard, parse_scorecard

SEVERITIES = ("critical", "major", "minor")
_PACK_KEYS = (
    "pack",
    "version",
    "language",
    "description",
    "synonyms",
    "sections",
    "metrics",
    "scorecard",
    "rules",
    "tests",
)
_RULE_KEYS = (
    "id",
    "description",
    "section",
    "severity",
    "points",
    "per_finding",
    "auto_fail",
    "when",
    "require",
    "forbid",
    "kind",
)
# a rule's kind, when it does not say, from its condition's top key
_KIND_OF = {"metric": "metric", "silence": "metric", "interruption": "metric", "pii": "pii", "emotion": "emotion"}


@dataclass(frozen=True)
class Rule:
    id: str
    description: str
    section: str
    severity: str
    points: float
    auto_fail: bool
    mode: str  # require: a finding when the condition does not hold; forbid: one per place it holds
    condition: Condition
    kind: str  # script | metric | pii | emotion
    line: int
    when: Condition | None = None  # the rule applies only to calls where this holds (else N/A)
    per_finding: bool = False  # points count for every finding, not once per call


@dataclass(frozen=True)
class RulePack:
    name: str
    version: str
    language: str | None
    description: str
    sha256: str
    rules: tuple[Rule, ...]
    sections: Mapping[str, str] = field(default_factory=dict)  # id → title
    metric_options: Mapping[str, float] = field(default_factory=dict)
    tests: tuple[Any, ...] = ()
    path: str = ""
    scorecard: Scorecard | None = None  # None: equal weights over the sections (Scorecard.default)
    text: str = field(default="", repr=False, compare=False)  # the YAML it was parsed from

    def __reduce__(self) -> tuple[Any, ...]:
        # Conditions are closures, which do not pickle: a worker process or a Ray actor gets the
        # pack's text and parses it again (same sha256, same rules, the same scorecard).
        return (_reparsed, (self.text, self.name, self.sha256, self.path, self.scorecard))

    @property
    def card(self) -> Scorecard:
        if self.scorecard is not None:
            return self.scorecard
        used = dict.fromkeys(r.section for r in self.rules)
        return Scorecard.default({s: self.sections.get(s, s) for s in (self.sections or used)})

    @property
    def identity(self) -> str:
        return f"{self.name}@{self.version}+{self.sha256}"

    @property
    def requires(self) -> frozenset[str]:
        conditions = [r.condition for r in self.rules] + [r.when for r in self.rules if r.when is not None]
        return frozenset().union(*(c.requires for c in conditions))

    @property
    def uses_pii(self) -> bool:
        return any(r.kind == "pii" for r in self.rules)


def bundled_packs() -> dict[str, Path]:
    folder = files("rules").joinpath("packs")
    return {Path(str(p)).stem: Path(str(p)) for p in folder.iterdir() if str(p).endswith(".yaml")}


def resolve_pack(spec: str) -> Path:
    """A bundled pack's name (``bank-zh``) or a path to a YAML file."""
    packs = bundled_packs()
    if spec in packs:
        return packs[spec]
    path = Path(spec).expanduser()
    if not path.is_file():
        raise CallqaError(
            "rules.invalid", f"rule pack {spec!r} is neither a bundled pack ({', '.join(sorted(packs))}) nor a file"
        )
    return path


def load_pack(spec: str | Path) -> RulePack:
    path = resolve_pack(str(spec))
    raw = path.read_bytes()
    try:
        return parse_pack(raw.decode("utf-8"), path.name, hashlib.sha256(raw).hexdigest(), str(path))
    except UnicodeDecodeError as e:
        raise CallqaError("rules.invalid", f"{path.name}: not UTF-8 text") from e


def parse_pack(text: str, name: str, sha256: str = "", path: str = "") -> RulePack:
    try:
        doc = load_yaml(text, name)
    except ValueError as e:
        raise CallqaError("rules.invalid", str(e)) from e
    rule_id = None
    try:
        if not isinstance(doc, LDict):
            raise PackError(1, "a rule pack is a mapping with pack, version and rules")
        _known(doc, _PACK_KEYS, "pack")
        for key in ("pack", "version", "rules"):
            if key not in doc:
                raise PackError(doc.line, f"the pack needs {key!r}")
        language = doc.get("language")
        if language not in (None, "zh", "en"):
            raise PackError(doc.line_of("language"), f"language {language!r} is not zh or en")
        synonyms = _synonyms(doc.get("synonyms"), doc.line_of("synonyms"))
        sections = _sections(doc.get("sections"), doc.line_of("sections"))
        env = Env(language, synonyms, lambda spec: build_condition(spec, env))
        rules_doc = doc["rules"]
        if not isinstance(rules_doc, list) or not rules_doc:
            raise PackError(doc.line_of("rules"), "rules must be a non-empty list")
        parsed: list[Rule] = []
        for item in rules_doc:
            rule_id = item.get("id") if isinstance(item, dict) else None
            parsed.append(_rule(item, env, sections, {r.id for r in parsed}))
        rule_id = None
        scorecard = None
        if "scorecard" in doc:
            scorecard = parse_scorecard(
                doc["scorecard"], sections or {r.section: r.section for r in parsed}, doc.line_of("scorecard")
            )
        tests = doc.get("tests") or []
        if not isinstance(tests, list):
            raise PackError(doc.line_of("tests"), "tests must be a list of cases")
        return RulePack(
            name=str(doc["pack"]),
            version=str(doc["version"]),
            language=language,
            description=str(doc.get("description", "")),
            sha256=sha256 or hashlib.sha256(text.encode()).hexdigest(),
            rules=tuple(parsed),
            sections=sections,
            metric_options=_metric_options(doc.get("metrics"), doc.line_of("metrics")),
            tests=tuple(tests),
            path=path,
            scorecard=scorecard,
            text=text,
        )
    except PackError as e:
        where = f"{name}:{e.line}" + (f": rule {rule_id}" if rule_id else "")
        raise CallqaError("rules.invalid", f"{where}: {e.message}") from e


def _reparsed(text: str, name: str, sha256: str, path: str, scorecard: Scorecard | None) -> RulePack:
    from dataclasses import replace

    return replace(parse_pack(text, name, sha256, path), scorecard=scorecard)


def _known(doc: Mapping[str, Any], keys: tuple[str, ...], what: str) -> None:
    for key in doc:
        if key not in keys:
            line = doc.line_of(key) if isinstance(doc, LDict) else 0
            raise PackError(line, f"unknown {what} key {key!r}; valid: {', '.join(keys)}")


def _metric_options(value: Any, line: int) -> dict[str, float]:
    if value is None:
        return {}
    try:
        MetricOptions.from_mapping(value)
    except (ValueError, TypeError) as e:
        raise PackError(line, f"metrics: {e}") from e
    return dict(value)


def _synonyms(value: Any, line: int) -> dict[str, tuple[str, ...]]:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(v, list) and v for v in value.values()):
        raise PackError(line, "synonyms maps a name to a list of alternatives: {account: [account, acct]}")
    return {str(k): tuple(str(x) for x in v) for k, v in value.items()}


def _sections(value: Any, line: int) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise PackError(line, "sections maps a section id to its title: {opening: Opening}")
    return {str(k): str(v) for k, v in value.items()}


def _rule(item: Any, env: Env, sections: Mapping[str, str], seen: set[str]) -> Rule:
    line = getattr(item, "line", 0)
    if not isinstance(item, LDict):
        raise PackError(line, "a rule is a mapping with id, description, severity and require: or forbid:")
    _known(item, _RULE_KEYS, "rule")
    rid = item.get("id")
    if not isinstance(rid, str) or not rid:
        raise PackError(line, "a rule needs an id")
    if rid in seen:
        raise PackError(line, f"rule id {rid!r} is used twice")
    for key in ("description", "severity"):
        if key not in item:
            raise PackError(line, f"the rule needs {key!r}")
    severity = item["severity"]
    if severity not in SEVERITIES:
        raise PackError(item.line_of("severity"), f"severity {severity!r} is not one of {', '.join(SEVERITIES)}")
    section = str(item.get("section", "general"))
    if sections and section not in sections:
        raise PackError(item.line_of("section"), f"section {section!r} is not one of {', '.join(sections)}")
    points = item.get("points", 0)
    if isinstance(points, bool) or not isinstance(points, int | float):
        raise PackError(item.line_of("points"), f"points must be a number (negative deducts), not {points!r}")
    modes = [m for m in ("require", "forbid") if m in item]
    if len(modes) != 1:
        raise PackError(line, "a rule needs exactly one of require: (a finding when it is missing) or forbid:")
    mode = modes[0]
    condition = env.build(item[mode])
    top = next((k for k in item[mode] if k in REGISTRY), "") if isinstance(item[mode], dict) else ""
    kind = str(item.get("kind") or _KIND_OF.get(top, "script"))
    when = env.build(item["when"]) if "when" in item else None
    per_finding = item.get("per_finding", False)
    if not isinstance(per_finding, bool):
        raise PackError(item.line_of("per_finding"), f"per_finding must be true or false, not {per_finding!r}")
    return Rule(
        id=rid,
        description=str(item["description"]),
        section=section,
        severity=severity,
        points=float(points),
        auto_fail=bool(item.get("auto_fail", False)),
        mode=mode,
        condition=condition,
        kind=kind,
        line=line,
        when=when,
        per_finding=per_finding,
    )
