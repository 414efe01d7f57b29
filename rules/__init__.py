"""Rule packs, transcript normalization, script-compliance matchers, metrics and PII (to come)."""
