"""The app served as in production, for the scan-load scenario: gunicorn processes on one database,
optionally behind a small round-robin TCP proxy (what nginx or a load balancer does in front of
several app hosts), and scanners that talk HTTP to it, one request at a time.

    python -m bench.serve proxy PORT BACKEND_PORT [BACKEND_PORT ...]   (started by ``servers``)
"""
from __future__ import annotations

import asyncio
import http.client
import itertools
import json
import os
import secrets
import subprocess
import sys
import threading
import time
import urllib.request
from contextlib import ExitStack, contextmanager
from pathlib import Path

from erp_core.testing.processes import free_port, stop

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parent.parent


def _wait_until_up(port: int, process: subprocess.Popen, what: str) -> None:
    for _ in range(600):
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode}")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/health", timeout=2)
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{what} did not answer on port {port} within a minute")


@contextmanager
def _process(args: list[str], port: int, what: str, env: dict | None = None):
    process = subprocess.Popen(args, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_until_up(port, process, what)
        yield process
    finally:
        stop(process)


@contextmanager
def servers(url: str, processes: int, workers: int, proxy: bool):
    """``processes`` gunicorn masters with ``workers`` sync workers each on database ``url``, as
    separate app hosts would be; yields the port to send requests to (the proxy's, when ``proxy``,
    which must be the case for more than one process)."""
    assert proxy or processes == 1
    env = {**os.environ, "DATABASE_URL": url, "ERP_SECRET_KEY": secrets.token_hex(16)}
    with ExitStack() as stack:
        ports = [free_port() for _ in range(processes)]
        for port in ports:
            stack.enter_context(_process([str(BIN / "gunicorn"), "-w", str(workers), "-b", f"127.0.0.1:{port}",
                                          "--backlog", "256", "erp_core:create_app()"], port, "gunicorn", env))
        if proxy:
            front = free_port()
            stack.enter_context(_process([sys.executable, "-m", "bench.serve", "proxy", str(front), *map(str, ports)], front,
                                         "the proxy"))
            ports = [front]
        yield ports[0]


# ---------------------------------------------------------------- the proxy


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except ConnectionError:
        pass
    finally:
        writer.close()


async def _proxy(port: int, backends: list[int]) -> None:
    """Each client connection goes to the next backend in turn (gunicorn's sync workers close the
    connection after every answer, so that is a request each, round robin)."""
    turn = itertools.cycle(backends)

    async def handle(client_reader, client_writer):
        try:
            backend_reader, backend_writer = await asyncio.open_connection("127.0.0.1", next(turn))
        except OSError:
            client_writer.close()
            return
        await asyncio.gather(_pipe(client_reader, backend_writer), _pipe(backend_reader, client_writer))

    server = await asyncio.start_server(handle, "127.0.0.1", port, backlog=256)
    async with server:
        await server.serve_forever()


# ---------------------------------------------------------------- scanners


class Scanner(threading.Thread):
    """One hand scanner: POSTs each code to one move, waits for the answer, sends the next; then
    validates the move. Records each scan's round trip, its status, and the server's own time when
    the answer has a Server-Timing header. At ``deadline`` (a perf_counter time) it stops scanning
    and validates what it scanned, dropping the rest (``{"backorder": false}``), so that a slow
    machine still ends the scenario in bounded time."""

    def __init__(self, port: int, token: str, move_id: int, codes: list[str], start: threading.Barrier, deadline: float):
        super().__init__(daemon=True)
        self.port, self.token, self.move_id, self.codes, self.start_barrier = port, token, move_id, codes, start
        self.deadline = deadline
        self.latencies: list[float] = []
        self.server_ms: list[float] = []
        self.errors: list[str] = []
        self.scanned: list[str] = []
        self.finished_at = 0.0
        self.validate_seconds = None

    def _post(self, conn: http.client.HTTPConnection, path: str, body: dict | None) -> tuple[int, bytes, str | None]:
        conn.request("POST", "/api/v1" + path, body=json.dumps(body) if body is not None else None,
                     headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"})
        response = conn.getresponse()
        return response.status, response.read(), response.getheader("Server-Timing")

    def run(self) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        self.start_barrier.wait()
        for code in self.codes:
            if time.perf_counter() > self.deadline:
                break
            started = time.perf_counter()
            try:
                status, body, timing = self._post(conn, f"/moves/{self.move_id}/scan", {"code": code})
            except (OSError, http.client.HTTPException) as error:
                conn.close()
                status, body, timing = 0, str(error).encode(), None
            self.latencies.append(time.perf_counter() - started)
            if status != 200:
                self.errors.append(f"{status} {body[:200].decode(errors='replace')}")
                continue
            self.scanned.append(code)
            if timing:
                self.server_ms.append(server_timing_ms(timing))
        self.finished_at = time.perf_counter()
        started = time.perf_counter()
        complete = len(self.scanned) == len(self.codes)
        status, body, _ = self._post(conn, f"/moves/{self.move_id}/validate", None if complete else {"backorder": False})
        self.validate_seconds = time.perf_counter() - started
        if status != 200:
            self.errors.append(f"validate {status} {body[:200].decode(errors='replace')}")
        conn.close()


def server_timing_ms(header: str) -> float:
    """The request's whole server time: the sum of the durations in its Server-Timing header
    (``db;dur=1.2, app;dur=0.8``, see erp_core.timing)."""
    params = [param.strip() for part in header.split(",") for param in part.split(";")[1:]]
    return sum(float(param.removeprefix("dur=")) for param in params if param.startswith("dur="))


def main() -> None:
    if sys.argv[1:2] != ["proxy"]:
        raise SystemExit(__doc__)
    asyncio.run(_proxy(int(sys.argv[2]), [int(p) for p in sys.argv[3:]]))


if __name__ == "__main__":
    main()
