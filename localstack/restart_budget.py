"""How often `rtw run` may restart a child before it gives up: a rate over a window, not a
lifetime count, so a worker that crashed five times last week is still restarted today, while
a child that dies at once on every start stops the stack with a clear line."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field


@dataclass
class RestartBudget:
    """At most `allowed` restarts within any `window_seconds`; times are monotonic seconds."""

    allowed: int = 5
    window_seconds: float = 300.0
    _recent: deque[float] = field(default_factory=deque)

    def spend(self, now: float) -> bool:
        """Record a restart at `now` if the budget allows it; False when it is spent."""
        while self._recent and now - self._recent[0] >= self.window_seconds:
            self._recent.popleft()
        if len(self._recent) >= self.allowed:
            return False
        self._recent.append(now)
        return True

    def pause_before_restart(self) -> float:
        """Seconds to wait before the next start: longer as restarts crowd the window."""
        doublings = max(len(self._recent) - 1, 0)
        return min(0.5 * float(2**doublings), 8.0)
