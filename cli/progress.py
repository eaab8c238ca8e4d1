"""Progress on stderr, drawn only when stderr is a terminal: a pipe or a log file gets nothing,
and stdout (the command's output) is never written."""

from __future__ import annotations

import sys
import time
from typing import TextIO

WIDTH = 30
EVERY_SECONDS = 0.1


class Progress:
    """A bar when the total is known, a count otherwise; `close()` clears the line."""

    def __init__(self, label: str, *, total: int | None = None, unit: str = "",
                 stream: TextIO | None = None) -> None:
        self.label = label
        self.total = total
        self.unit = unit
        self.stream = stream or sys.stderr
        self.shown = _is_terminal(self.stream)
        self.count = 0
        self._drawn_at = 0.0

    def advance(self, by: int = 1) -> None:
        self.count += by
        if not self.shown:
            return
        now = time.monotonic()
        if now - self._drawn_at >= EVERY_SECONDS or self.count == self.total:
            self._drawn_at = now
            self.stream.write("\r" + self.line())
            self.stream.flush()

    def line(self) -> str:
        unit = f" {self.unit}" if self.unit else ""
        if not self.total:
            return f"{self.label}: {self.count}{unit}"
        filled = WIDTH * min(self.count, self.total) // self.total
        return (f"{self.label} [{'#' * filled}{'.' * (WIDTH - filled)}] "
                f"{self.count}/{self.total}{unit}")

    def close(self) -> None:
        if self.shown and self.count:
            self.stream.write("\r" + " " * len(self.line()) + "\r")
            self.stream.flush()


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
