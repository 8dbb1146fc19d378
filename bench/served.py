"""What the benchmarks over HTTP share: the bench databases, one JSON line per figure, percentiles, and
``reskontro serve`` started on a free port of 127.0.0.1 for the length of a ``with`` block."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

URLS = {"sqlite": "sqlite:////tmp/bench.sqlite3",
        "postgres": "postgresql+psycopg://postgres@127.0.0.1:5432/reskontro_bench"}


def out(**figure: object) -> None:
    print(json.dumps(figure), flush=True)


def pct(values: list[float], p: float) -> float:
    """The ``p`` quantile of durations in seconds, in milliseconds."""
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000, 2)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serving(database: str) -> Iterator[str]:
    """``reskontro serve`` (one uvicorn process, as users run it) on the database; yields its base URL once
    it answers, and stops it afterwards."""
    port = free_port()
    server = subprocess.Popen([str(Path(sys.executable).parent / "reskontro"), "--database", database,
                               "serve", "--port", str(port), "--no-migrate", "--log-level", "warning"])
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                httpx.get(base + "/login", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.2)
        else:
            raise SystemExit("the server did not start")
        yield base
    finally:
        server.terminate()
        server.wait(10)
