"""callqa: offline speech quality inspection for contact centres."""

__version__ = "0.1.0"
