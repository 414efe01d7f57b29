"""Conditions on emotion (``emotion.v1``): being written; registers nothing yet."""
