from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkflowsConfig(AppConfig):
    name = "workflows"
    label = "workflows"
    verbose_name = _("Processes")

    def ready(self) -> None:
        from backoffice.core.processes import set_process_starter

        from .services import start_for_domain

        set_process_starter(start_for_domain)
