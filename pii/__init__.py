"""Sensitive data: detectors for card, ID and phone numbers, names and places; redaction of text and audio."""
