"""`python manage.py seed_demo`: the demo estate 阳光花园 and a login per role (idempotent).

The work is done by `backoffice.accounts.demo.demo_seed`; this command only prints what is there.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from backoffice.accounts import demo
from backoffice.core.errors import DomainError
from backoffice.facilities.demo import demo_equipment

SUMMARY = (
    ("buildings", "buildings"),
    ("units", "units"),
    ("residential_units", "  residential"),
    ("shops", "  shops"),
    ("persons", "persons"),
    ("ownerships_current", "ownerships (current)"),
    ("ownerships_ended", "ownerships (ended, history)"),
    ("household_members", "household members"),
    ("tenancies_current", "leases (current)"),
    ("tenancies_ended", "leases (ended)"),
    ("households", "households (units with an owner)"),
    ("occupied_units", "occupied units"),
    ("vacant_units", "vacant units"),
    ("billable_area", "billable area (m²)"),
    ("parking_lots", "parking lots"),
    ("parking_zones", "parking zones"),
    ("parking_spaces", "parking spaces"),
    ("parking_spaces_sold", "  sold"),
    ("parking_spaces_rented", "  rented"),
    ("parking_spaces_reserved", "  reserved"),
    ("parking_spaces_free", "  free"),
)


class Command(BaseCommand):
    help = (
        "Load the demo estate 阳光花园 (SUNSHINE) with buildings, units, owners, tenants and parking, and one "
        f"login per role (password {demo.DEMO_PASSWORD}). Running it again creates nothing twice."
    )

    def handle(self, *args, **options):
        try:
            result = demo.demo_seed()
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        estate = result.estate
        root = get_user_model().objects.filter(username=demo.SUPERUSER).first()
        equipment = demo_equipment(actor=root, estate=estate, today=timezone.localdate())
        call_command("deploy_processes", stdout=self.stdout)
        state = "created" if result.estate_created else "already present, left as it is"
        self.stdout.write(f"Demo estate {estate.name} ({estate.code}): {state}")
        for key, label in SUMMARY:
            self.stdout.write(f"  {label:<34} {result.counts[key]:>10}")
        for key, value in equipment.items():
            self.stdout.write(f"  {key.replace('_', ' '):<34} {value:>10}")
        self.stdout.write("")
        self.stdout.write(f"Demo logins (password {demo.DEMO_PASSWORD}):")
        self.stdout.write(f"  {'username':<15} {'password':<16} {'role':<14} name")
        for login in result.logins:
            password = demo.DEMO_PASSWORD if login.created else "(unchanged)"
            note = "" if login.created else "  (existing account)"
            self.stdout.write(f"  {login.username:<15} {password:<16} {login.roles:<14} {login.name}{note}")
