"""Sign-in rate limiting for the API; the limiter itself lives in :mod:`reskontro.services.ratelimit`.

It is shared with the web UI: ``reskontro serve`` hands one limiter to both, so failed sign-ins
through the API and through the login page count together.
"""

from __future__ import annotations

from reskontro.services.ratelimit import LoginLimiter

__all__ = ["LoginLimiter"]
