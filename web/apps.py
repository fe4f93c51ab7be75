from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebConfig(AppConfig):
    """The server-rendered workspace: staff inbox, instance pages, BPMN editor, owner portal, dashboard."""

    name = "web"
    verbose_name = _("Web workspace")
