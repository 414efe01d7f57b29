"""Rule-pack errors that know where in the file they are."""

from __future__ import annotations


class PackError(Exception):
    """A problem at a line of a pack; the loader adds the file name and the rule id."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message
