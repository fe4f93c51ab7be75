"""`python manage.py process_timers [--now ISO-8601]`: fire every timer due at that moment."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from workflows.services import timers_fire_due


class Command(BaseCommand):
    help = "Fire every process timer due at --now (default: now) and print how many instances advanced."

    def add_arguments(self, parser):
        parser.add_argument("--now", help="ISO-8601 moment, e.g. 2026-12-01T09:30:00+08:00")

    def handle(self, *args, now=None, **options):
        moment = timezone.now()
        if now:
            try:
                moment = dt.datetime.fromisoformat(now)
            except ValueError:
                raise CommandError(f"--now is not an ISO-8601 date-time: {now}") from None
            if timezone.is_naive(moment):
                moment = timezone.make_aware(moment)
        fired = timers_fire_due(now=moment)
        self.stdout.write(f"fired {fired} timer(s) due at {moment.isoformat()}")
