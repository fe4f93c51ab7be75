"""Spreadsheet import and export in the Django admin, on the same domain functions the API uses.

"Import from spreadsheet" is a page of its own on a changelist (upload, estate, dry run); a refused file
shows the per-row report as a table. "Export selected to .xlsx" is a changelist action.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy as _

from .errors import ImportFailed, ValidationFailed
from .importing import ImportResult
from .tabular import MAX_BYTES, XLSX_CONTENT_TYPE


class SpreadsheetImportForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_("An .xlsx or .csv file; row 1 names the columns, in Chinese or English."),
    )
    estate = forms.ModelChoiceField(queryset=None, label=_("Estate"))
    dry_run = forms.BooleanField(
        label=_("Only check the file (dry run)"),
        required=False,
        help_text=_("Every row is checked and the result shown, but nothing is saved."),
    )

    def __init__(self, *args, estates: QuerySet, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["estate"].queryset = estates


def xlsx_response(content: bytes, *, stem: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    file_name = f"{stem}-{timezone.localdate():%Y%m%d}.xlsx"
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=file_name)
    return response


def result_summary(result: ImportResult) -> str:
    """One line a clerk reads after an import: what was created, updated and found unchanged."""
    parts = []
    for label, counts in ((_("created"), result.created), (_("updated"), result.updated)):
        listed = ", ".join(f"{name} {count}" for name, count in counts.items() if count)
        if listed:
            parts.append(f"{label}: {listed}")
    unchanged = sum(result.unchanged.values())
    if unchanged:
        label = _("unchanged")
        parts.append(f"{label}: {unchanged}")
    return "; ".join(parts) or str(_("nothing to do"))


class SpreadsheetImportAdminMixin:
    """Adds `<changelist>/import/` running `import_function(actor, estate, file_name, content, dry_run)`."""

    import_function: ClassVar[Callable[..., ImportResult]]
    import_template = "admin/spreadsheet_import.html"
    change_list_template = "admin/spreadsheet_change_list.html"

    def import_estates(self, request) -> QuerySet:
        """Estates the user may import into (default: every estate)."""
        return self.model._meta.get_field("estate").remote_field.model._default_manager.all()

    def get_urls(self):
        opts = self.model._meta
        view = self.admin_site.admin_view(self.import_view)
        name = f"{opts.app_label}_{opts.model_name}_import"
        return [path("import/", view, name=name), *super().get_urls()]

    def import_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        estates = self.import_estates(request)
        form = SpreadsheetImportForm(request.POST or None, request.FILES or None, estates=estates)
        report: list[dict[str, Any]] = []
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                result = type(self).import_function(
                    actor=request.user,
                    estate=form.cleaned_data["estate"],
                    file_name=upload.name or "",
                    content=upload.read(MAX_BYTES + 1),
                    dry_run=form.cleaned_data["dry_run"],
                )
            except ImportFailed as exc:
                report = exc.rows
                self.message_user(request, exc.message, messages.ERROR)
            except ValidationFailed as exc:
                form.add_error("file", exc.message)
            else:
                if result.dry_run:
                    message = _("Check passed, nothing saved. An import would do this: %(summary)s")
                    self.message_user(
                        request, message % {"summary": result_summary(result)}, messages.SUCCESS
                    )
                else:
                    message = _("Imported: %(summary)s")
                    self.message_user(
                        request, message % {"summary": result_summary(result)}, messages.SUCCESS
                    )
                    opts = self.model._meta
                    return HttpResponseRedirect(
                        reverse(
                            f"admin:{opts.app_label}_{opts.model_name}_changelist",
                            current_app=self.admin_site.name,
                        )
                    )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Import %(name)s from a spreadsheet") % {"name": self.model._meta.verbose_name_plural},
            "form": form,
            "report": report,
            "columns": getattr(self, "import_columns", ()),
        }
        return TemplateResponse(request, self.import_template, context)


def single_estate(queryset: QuerySet) -> bool:
    """Whether the selected rows belong to at most one estate (an export has no estate column)."""
    return queryset.order_by().values("estate_id").distinct()[:2].count() <= 1
