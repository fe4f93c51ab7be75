"""`python manage.py deploy_processes`: deploy every diagram in bpmn/ whose content changed (idempotent)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from backoffice.core.errors import ValidationFailed
from workflows.definitions import definition_deploy


class Command(BaseCommand):
    help = "Deploy each bpmn/*.bpmn (with every bpmn/*.dmn) as a new version when its content changed."

    def add_arguments(self, parser):
        parser.add_argument("--dir", default=str(Path(settings.BASE_DIR) / "bpmn"))

    def handle(self, *args, dir, **options):
        folder = Path(dir)
        dmn = [path.read_text(encoding="utf-8") for path in sorted(folder.glob("*.dmn"))]
        failures = 0
        for path in sorted(folder.glob("*.bpmn")):
            try:
                version, created = definition_deploy(
                    actor=None, bpmn_xml=path.read_text(encoding="utf-8"), dmn_xml=dmn
                )
            except ValidationFailed as exc:
                failures += 1
                reasons = "; ".join(item["message"] for items in exc.fields.values() for item in items)
                self.stderr.write(f"{path.name}: refused: {reasons}")
                continue
            state = "deployed" if created else "unchanged"
            self.stdout.write(f"{path.name}: {version.definition.key} v{version.version} {state}")
        if failures:
            raise CommandError(f"{failures} diagram(s) refused")
