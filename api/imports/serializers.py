"""Input and output shapes of spreadsheet imports and exports."""

from __future__ import annotations

from rest_framework import serializers

from backoffice.estates import selectors as estate_selectors

from ..fields import ScopedPrimaryKeyRelatedField


class ImportRequestSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text="An .xlsx (first sheet) or .csv (UTF-8 or GBK) file; row 1 is the header, in English or "
        "Chinese (e.g. `building`/`楼栋`, `number`/`房号`, `area`/`面积`)."
    )
    estate = ScopedPrimaryKeyRelatedField(selector=estate_selectors.estate_list)
    dry_run = serializers.BooleanField(
        default=False, help_text="Check every row and report, but save nothing (200 instead of 201)."
    )


class ExportQuerySerializer(serializers.Serializer):
    estate = ScopedPrimaryKeyRelatedField(selector=estate_selectors.estate_list)


class ImportCountsSerializer(serializers.Serializer):
    buildings = serializers.IntegerField()
    units = serializers.IntegerField()
    persons = serializers.IntegerField()
    ownerships = serializers.IntegerField()


class ImportResultSerializer(serializers.Serializer):
    kind = serializers.CharField()
    estate = serializers.IntegerField(source="estate_id")
    dry_run = serializers.BooleanField()
    rows = serializers.IntegerField(help_text="Data rows read (blank rows are skipped).")
    created = ImportCountsSerializer()
    updated = ImportCountsSerializer(help_text="Rows already on file whose values the sheet changed.")
    unchanged = ImportCountsSerializer(help_text="Rows already on file exactly as the sheet says.")


class ImportRowErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text="Row number as the spreadsheet shows it (the header is row 1).")
    column = serializers.CharField(help_text='Header as typed in the file; "" for the row as a whole.')
    field = serializers.CharField(help_text="Canonical column name (`area`, `id_number`, ...).")
    code = serializers.CharField()
    message = serializers.CharField()


class ImportErrorSerializer(serializers.Serializer):
    code = serializers.CharField(
        help_text="`import_failed` (see rows), `unsupported_file`, `unreadable_file`, `empty_file`, "
        "`file_too_large`, `too_many_rows` or `validation_error`."
    )
    message = serializers.CharField()
    fields = serializers.DictField(required=False)
    rows = ImportRowErrorSerializer(many=True, required=False, help_text="Every problem, by row.")


class ImportErrorResponseSerializer(serializers.Serializer):
    error = ImportErrorSerializer()
