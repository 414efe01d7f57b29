"""Where in the call a text condition looks: which role, which time window, which utterances."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rules.context import CallContext
from rules.errors import PackError

ROLES = ("agent", "customer", "any")
WINDOW_KEYS = ("first_s", "last_s", "first_pct", "last_pct", "from_s", "to_s")
UTTERANCE_KEYS = ("first", "last", "from", "to")
SCOPE_KEYS = ("role", "window", "utterances")


@dataclass(frozen=True)
class Scope:
    role: str = "any"
    window: tuple[tuple[str, float], ...] = ()
    utterances: tuple[tuple[str, int], ...] = ()

    @property
    def needs_times(self) -> bool:
        return bool(self.window)

    @property
    def needs_roles(self) -> bool:
        return self.role != "any"

    def span(self, call: CallContext) -> tuple[float, float]:
        """The stretch of the call, in seconds, that this scope covers."""
        start, end = 0.0, call.duration
        for key, value in self.window:
            if key == "first_s":
                end = min(end, value)
            elif key == "last_s":
                start = max(start, call.duration - value)
            elif key == "first_pct":
                end = min(end, call.duration * value / 100)
            elif key == "last_pct":
                start = max(start, call.duration * (1 - value / 100))
            elif key == "from_s":
                start = max(start, value)
            elif key == "to_s":
                end = min(end, value)
        return start, end

    def select(self, call: CallContext) -> list[int]:
        """Indices of the utterances in scope, in time order."""
        start, end = self.span(call)
        chosen = [
            i
            for i, u in enumerate(call.utterances)
            if (self.role == "any" or u.role == self.role) and (not self.window or start <= u.start < end)
        ]
        for key, n in self.utterances:
            if key == "first":
                chosen = chosen[:n]
            elif key == "last":
                chosen = chosen[-n:] if n else []
            elif key == "from":
                chosen = chosen[n:]
            elif key == "to":
                chosen = chosen[: n + 1]
        return chosen

    def describe(self) -> str:
        parts = [] if self.role == "any" else [f"by the {self.role}"]
        labels = {
            "first_s": "in the first {:g} s",
            "last_s": "in the last {:g} s",
            "first_pct": "in the first {:g}% of the call",
            "last_pct": "in the last {:g}% of the call",
            "from_s": "from {:g} s",
            "to_s": "until {:g} s",
        }
        parts += [labels[k].format(v) for k, v in self.window]
        ulabels = {"first": "in the first {} utterances", "last": "in the last {} utterances"}
        parts += [ulabels.get(k, k + " utterance {}").format(v) for k, v in self.utterances]
        return " ".join(parts)


def parse_scope(spec: dict[str, Any], line: int) -> Scope:
    role = spec.get("role", "any")
    if role not in ROLES:
        raise PackError(line, f"role {role!r} is not one of {', '.join(ROLES)}")
    window = _numbers(spec.get("window"), WINDOW_KEYS, "window", line, float)
    utterances = _numbers(spec.get("utterances"), UTTERANCE_KEYS, "utterances", line, int)
    for key, value in window:
        if key.endswith("_pct") and not 0 < value <= 100:
            raise PackError(line, f"window {key} must be between 0 and 100, not {value}")
    return Scope(role, window, utterances)


def _numbers(spec: Any, keys: tuple[str, ...], what: str, line: int, kind: type) -> tuple[tuple[str, Any], ...]:
    if spec is None:
        return ()
    line = getattr(spec, "line", line)
    if not isinstance(spec, dict) or not spec:
        raise PackError(line, f"{what} must be a mapping with one or more of {', '.join(keys)}")
    out = []
    for key, value in spec.items():
        if key not in keys:
            raise PackError(line, f"{what}: unknown key {key!r}; valid: {', '.join(keys)}")
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise PackError(line, f"{what} {key} must be a non-negative number, not {value!r}")
        out.append((key, kind(value)))
    return tuple(out)
