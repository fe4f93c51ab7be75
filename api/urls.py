"""API routes: /api/v1/... (CONTRACT.md), OpenAPI at /api/schema/, Swagger UI at /api/docs/."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from .accounts.views import MeView, TokenView, UserViewSet
from .core.views import AuditEntryViewSet, HealthView
from .estates.views import (
    BuildingViewSet,
    EstateViewSet,
    ParkingLotViewSet,
    ParkingSpaceViewSet,
    ParkingZoneViewSet,
    UnitViewSet,
)
from .facilities.views import (
    EquipmentViewSet,
    MaintenancePlanViewSet,
    MaintenanceRecordViewSet,
    SupplierViewSet,
)
from .imports.views import ExportView, ImportView
from .notifications.views import NotificationViewSet
from .people.views import HouseholdMemberViewSet, OwnershipViewSet, PersonViewSet, TenancyViewSet
from .repairs.views import RepairReportView, WorkOrderViewSet
from .workflows.views import (
    MessageView,
    ProcessDefinitionViewSet,
    ProcessInstanceViewSet,
    ProcessVersionXmlView,
    TaskViewSet,
)

router = DefaultRouter()
# The busiest routes first: the resolver tries the patterns in order (a phone completes tasks all day).
router.register("tasks", TaskViewSet, basename="task")
router.register("process-instances", ProcessInstanceViewSet, basename="process-instance")
router.register("estates", EstateViewSet, basename="estate")
router.register("buildings", BuildingViewSet, basename="building")
router.register("units", UnitViewSet, basename="unit")
router.register("parking-lots", ParkingLotViewSet, basename="parking-lot")
router.register("parking-zones", ParkingZoneViewSet, basename="parking-zone")
router.register("parking-spaces", ParkingSpaceViewSet, basename="parking-space")
router.register("persons", PersonViewSet, basename="person")
router.register("ownerships", OwnershipViewSet, basename="ownership")
router.register("tenancies", TenancyViewSet, basename="tenancy")
router.register("household-members", HouseholdMemberViewSet, basename="household-member")
router.register("users", UserViewSet, basename="user")
router.register("audit-entries", AuditEntryViewSet, basename="audit-entry")
router.register("process-definitions", ProcessDefinitionViewSet, basename="process-definition")
router.register("work-orders", WorkOrderViewSet, basename="work-order")
router.register("notifications", NotificationViewSet, basename="notification")
router.register("suppliers", SupplierViewSet, basename="supplier")
router.register("equipment", EquipmentViewSet, basename="equipment")
router.register("maintenance-plans", MaintenancePlanViewSet, basename="maintenance-plan")
router.register("maintenance-records", MaintenanceRecordViewSet, basename="maintenance-record")

v1 = [
    path("health/", HealthView.as_view(), name="health"),
    path("auth/token/", TokenView.as_view(), name="auth-token"),
    path("auth/me/", MeView.as_view(), name="auth-me"),
    path("messages/", MessageView.as_view(), name="messages"),
    path("reports/repairs/", RepairReportView.as_view(), name="report-repairs"),
    path(
        "process-definitions/<str:key>/versions/<int:number>/bpmn",
        ProcessVersionXmlView.as_view(),
        name="process-version-bpmn",
    ),
    path("imports/<str:kind>/", ImportView.as_view(), name="import"),
    path("exports/<str:kind>/", ExportView.as_view(), name="export"),
    path("", include(router.urls)),
]

urlpatterns = [
    path("v1/", include(v1)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("redoc/", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
]
