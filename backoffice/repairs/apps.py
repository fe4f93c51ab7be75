from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RepairsConfig(AppConfig):
    """Work orders (报修). Their own app beside `facilities`: a repair touches units, people, equipment,
    notifications and charges, and keeping it apart keeps the equipment ledger small."""

    name = "backoffice.repairs"
    label = "repairs"
    verbose_name = _("Repairs")

    def ready(self) -> None:
        from . import operations

        operations.register()
