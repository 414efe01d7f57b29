"""Emotion, call scores from a scorecard, per-agent aggregation (to come)."""
