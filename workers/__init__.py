"""Scheduled work, served by Prefect 3: thin, id-based, idempotent flows that call `backoffice` and
`workflows` services and nothing else.

`python -m workers serve` serves every flow in `workers.flows.SCHEDULED` on its schedule;
`python -m workers run <flow> [--now ISO]` runs one flow once. See `workers/__main__.py`.

Importing this package sets Prefect's privacy defaults (no analytics, no telemetry: this machine has no
network) unless the environment already says otherwise; it must therefore happen before `prefect` is
imported, which every module of the package guarantees by living inside it.
"""

from __future__ import annotations

import os

PREFECT_ENV_DEFAULTS = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "DO_NOT_TRACK": "1",
    # A temporary Prefect server (no PREFECT_API_URL) needs 13-20 s to start here; Prefect's default
    # budget is tighter than that on a busy CI machine.
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "90",
}

for _name, _value in PREFECT_ENV_DEFAULTS.items():
    os.environ.setdefault(_name, _value)
