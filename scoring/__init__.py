"""Emotion per utterance and per side, call scores from a scorecard, scorecards over many calls."""
