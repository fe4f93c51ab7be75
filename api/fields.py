"""Serializer fields shared by every resource."""

from __future__ import annotations

from collections.abc import Callable

from rest_framework import serializers

from backoffice.accounts.choices import STAFF_ROLES
from backoffice.accounts.selectors import estate_ids_with_roles


class ScopedPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A reference by id that resolves only to objects in the caller's estates.

    An id from another estate is answered exactly like an id that does not exist, so nothing leaks.
    """

    def __init__(self, *, selector: Callable, **kwargs):
        self.selector = selector
        kwargs.setdefault("queryset", selector(estate_ids=None))
        super().__init__(**kwargs)

    def get_queryset(self):
        request = self.context.get("request")
        if request is None or not getattr(request, "user", None) or not request.user.is_authenticated:
            return self.selector(estate_ids=[])
        return self.selector(estate_ids=estate_ids_with_roles(request.user, STAFF_ROLES))
