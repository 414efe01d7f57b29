"""The results store (being written)."""
