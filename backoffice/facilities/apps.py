from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FacilitiesConfig(AppConfig):
    """The equipment ledger (设备台账), suppliers, maintenance plans and records (设备保养).

    Work orders (报修) live in `backoffice.repairs`; the `maintenance` process and the Prefect flow that
    starts it call the services here (`maintenance_plans_due`, `maintenance_record_create`).
    """

    name = "backoffice.facilities"
    label = "facilities"
    verbose_name = _("Facilities")

    def ready(self) -> None:
        from . import operations

        operations.register()
