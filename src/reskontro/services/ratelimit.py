"""Sign-in rate limiting: a sliding window of failures per user name and per client address.

After ``limit`` failed sign-ins for a user name, or from one client address, within ``window``
seconds, further attempts are refused with 429 and ``Retry-After`` until the oldest failure leaves
the window — even with the right password, so a guessed password cannot be confirmed. A successful
sign-in clears its user name's failures (not the address's).

The window lives in this process's memory: it is per server process and forgotten on restart.
That is enough against online guessing of one installation served by one process; several
processes behind a balancer each keep their own count (at most ``limit`` × processes tries).

The API's ``POST /auth/login`` and the web UI's login page take the same limiter when served
together (``reskontro serve``), so a guesser cannot double the tries by using both doors.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable


class LoginLimiter:
    def __init__(self, *, limit: int = 5, window: float = 300.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.window = window
        self.clock = clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _prune(self, key: str, now: float) -> deque[float]:
        q = self._failures.get(key)
        if q is None:
            return deque()
        while q and q[0] <= now - self.window:
            q.popleft()
        if not q:
            del self._failures[key]
        return q

    def retry_after(self, keys: Iterable[str]) -> int | None:
        """Seconds until an attempt for these keys is allowed again, or None if it is allowed now."""
        now = self.clock()
        waits = []
        with self._lock:
            for key in keys:
                q = self._prune(key, now)
                if len(q) >= self.limit:
                    waits.append(q[len(q) - self.limit] + self.window - now)
        return max(1, math.ceil(max(waits))) if waits else None

    def failed(self, keys: Iterable[str]) -> None:
        now = self.clock()
        with self._lock:
            if len(self._failures) > 10_000:  # many names tried once: forget those out of the window
                for old in list(self._failures):
                    self._prune(old, now)
            for key in keys:
                q = self._failures.setdefault(key, deque())
                q.append(now)
                while len(q) > self.limit:  # older failures no longer matter
                    q.popleft()

    def succeeded(self, key: str) -> None:
        with self._lock:
            self._failures.pop(key, None)
