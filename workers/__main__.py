"""`python -m workers serve` and `python -m workers run <flow>`.

serve                      serve every flow in `workers.flows.SCHEDULED` on its schedule (Prefect `serve`);
                           each scheduled run executes in its own subprocess. Without PREFECT_API_URL a
                           local Prefect server is started on 127.0.0.1 (see `workers/server.py`).
list                       print the flows and their schedules.
run <flow> [--now ISO] [--param KEY=VALUE ...] [--direct]
                           run one flow once and print its result. Through Prefect by default (a temporary
                           Prefect server starts when PREFECT_API_URL is unset, 13-20 s); `--direct` calls the
                           flow's function without Prefect (no server, no retries, no run record).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import inspect
import json
import logging
import signal
import sys
from typing import Any

from . import django_setup

log = logging.getLogger("workers")


def _parse_now(value: str) -> dt.datetime:
    from django.utils import timezone

    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO-8601 date-time: {value}") from None
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def _parse_param(value: str) -> tuple[str, Any]:
    key, sep, raw = value.partition("=")
    if not sep or not key.isidentifier():
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {value!r}")
    try:
        return key, json.loads(raw)
    except json.JSONDecodeError:
        return key, raw


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m workers", description="Prefect flows of the back office."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("serve", help="serve every flow on its schedule")
    commands.add_parser("list", help="list the flows and their schedules")
    run = commands.add_parser("run", help="run one flow once")
    run.add_argument("flow", help="flow name, e.g. timers_sweep")
    run.add_argument("--now", type=_parse_now, help="ISO-8601 moment for flows that take `now`")
    run.add_argument("--param", "-p", type=_parse_param, action="append", default=[], help="KEY=VALUE")
    run.add_argument("--direct", action="store_true", help="call the function without Prefect")
    return parser


def _serve() -> int:
    from django.conf import settings
    from prefect import serve

    from .flows import SCHEDULED
    from .server import prefect_api

    def _stop(signum, frame):  # SIGTERM (docker stop, systemd, `timeout`) ends like Ctrl-C: cleanly
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _stop)
    log_path = settings.VAR_DIR / "prefect-server.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with prefect_api(log_path=log_path):
            deployments = [entry.to_deployment() for entry in SCHEDULED]
            for entry in SCHEDULED:
                log.info("serving %s: %s", entry.name, entry.when)
            serve(*deployments)
    except KeyboardInterrupt:
        log.info("stopped")
    return 0


def _run(name: str, *, now: dt.datetime | None, params: list[tuple[str, Any]], direct: bool) -> int:
    from asgiref.sync import async_to_sync

    from .flows import scheduled_by_name

    entries = scheduled_by_name()
    entry = entries.get(name) or entries.get(name.replace("-", "_"))
    if entry is None:
        print(f"unknown flow {name!r}; known: {', '.join(sorted(entries))}", file=sys.stderr)
        return 2
    kwargs = dict(params)
    if now is not None:
        kwargs["now"] = now
    if direct:  # the bare function; async_to_sync keeps the ORM work on this thread
        fn = entry.flow.fn
        result = async_to_sync(fn)(**kwargs) if inspect.iscoroutinefunction(fn) else fn(**kwargs)
    else:  # a real Prefect flow run (state, retries, logs on the server)
        result = entry.flow(**kwargs)
        if inspect.isawaitable(result):
            result = asyncio.run(_await(result))
    print(f"{entry.name}: {result}")
    return 0


async def _await(awaitable):
    return await awaitable


def _log_to_console() -> None:
    """INFO lines of this package on stderr (the project's root logger stays at PM_LOG_LEVEL)."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False


def main(argv: list[str] | None = None) -> int:
    django_setup.setup()  # first: `--now` is read in the settings' time zone
    args = _parser().parse_args(argv)
    _log_to_console()
    if args.command == "serve":
        return _serve()
    if args.command == "list":
        from .flows import SCHEDULED

        for entry in SCHEDULED:
            print(f"{entry.name}\t{entry.when}\t{entry.description}")
        return 0
    return _run(args.flow, now=args.now, params=args.param, direct=args.direct)


if __name__ == "__main__":
    sys.exit(main())
