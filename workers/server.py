"""The Prefect API that `python -m workers serve` talks to.

With PREFECT_API_URL set (production: a shared Prefect server; a work pool's workers use the same URL),
that server is used as it is. Without it, Prefect would start a *temporary* server for the process, but a
temporary server runs no scheduler service, so served deployments would never get a scheduled run. So
`serve` starts a real local Prefect server instead (SQLite under PREFECT_HOME, default ~/.prefect),
listening on 127.0.0.1 only, and stops it on exit; if one already answers on that port, it is reused.
"""

from __future__ import annotations

import contextlib
import logging
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
from prefect.settings import PREFECT_API_URL, get_current_settings, temporary_settings

log = logging.getLogger(__name__)

HOST = "127.0.0.1"


def configured_api_url() -> str | None:
    """PREFECT_API_URL from the environment or the active Prefect profile, if any."""
    return get_current_settings().api.url or None


def _healthy(api_url: str) -> bool:
    try:
        return httpx.get(f"{api_url}/health", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


@contextlib.contextmanager
def prefect_api(*, log_path: Path | None = None, startup_timeout: float | None = None) -> Iterator[str]:
    """Yield the API URL to use, starting (and finally stopping) a local Prefect server if none is set."""
    url = configured_api_url()
    if url:
        log.info("using the Prefect API at %s", url)
        yield url
        return

    port = get_current_settings().server.api.port
    url = f"http://{HOST}:{port}/api"
    if _healthy(url):
        log.info("a local Prefect server already answers at %s; using it", url)
        with _api_url(url):
            yield url
        return

    timeout = startup_timeout or float(os.environ.get("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", 90))
    log.info("starting a local Prefect server on %s:%s (scheduler on, analytics off)", HOST, port)
    out = open(log_path, "ab") if log_path else subprocess.DEVNULL  # noqa: SIM115 - closed below
    process = subprocess.Popen(  # noqa: S603 - our own interpreter, fixed arguments
        [
            sys.executable,
            "-m",
            "prefect",
            "server",
            "start",
            "--host",
            HOST,
            "--port",
            str(port),
            "--scheduler",
            "--analytics-off",
        ],
        stdout=out,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + timeout
        while not _healthy(url):
            if process.poll() is not None:
                raise RuntimeError(
                    f"the local Prefect server exited with code {process.returncode}"
                    + (f"; see {log_path}" if log_path else "")
                )
            if time.monotonic() > deadline:
                raise RuntimeError(f"the local Prefect server did not answer within {timeout:.0f} s")
            time.sleep(0.5)
        log.info("local Prefect server ready at %s (UI: http://%s:%s)", url, HOST, port)
        with _api_url(url):
            yield url
    finally:
        log.info("stopping the local Prefect server")
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if log_path:
            out.close()


@contextlib.contextmanager
def _api_url(url: str) -> Iterator[None]:
    """Point this process, and the flow-run subprocesses it spawns, at `url`."""
    previous = os.environ.get("PREFECT_API_URL")
    os.environ["PREFECT_API_URL"] = url
    try:
        with temporary_settings(updates={PREFECT_API_URL: url}):
            yield
    finally:
        if previous is None:
            os.environ.pop("PREFECT_API_URL", None)
        else:
            os.environ["PREFECT_API_URL"] = previous
