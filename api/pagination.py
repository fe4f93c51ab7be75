from functools import cached_property

from django.core.paginator import Paginator
from rest_framework.pagination import PageNumberPagination


class StandardPagination(PageNumberPagination):
    """`{"count", "next", "previous", "results"}`; `?page_size=` up to 500."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


class _CountedPaginator(Paginator):
    def __init__(self, object_list, per_page, *, count_with, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self._count_with = count_with

    @cached_property
    def count(self) -> int:
        return self._count_with()


class CountedPagination(StandardPagination):
    """The same pages, with the total from the view's `count_with()` when it sets one: a cheaper count of the
    same rows than `COUNT(*)` over the page's query (the inbox)."""

    count_with = None

    def django_paginator_class(self, object_list, per_page, **kwargs):
        if self.count_with is None:
            return Paginator(object_list, per_page, **kwargs)
        return _CountedPaginator(object_list, per_page, count_with=self.count_with, **kwargs)
