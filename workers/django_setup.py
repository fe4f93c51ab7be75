"""Make Django usable from a Prefect process: the CLI, and every flow-run subprocess Prefect spawns."""

from __future__ import annotations

import os

DEFAULT_SETTINGS = "config.settings"


def setup() -> None:
    """Call `django.setup()` once (settings from DJANGO_SETTINGS_MODULE, default `config.settings`).

    A no-op when Django is already set up (e.g. under pytest-django), so it is safe to call anywhere.
    """
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", DEFAULT_SETTINGS)
    from django.apps import apps

    if apps.ready:
        return
    import django

    django.setup()
