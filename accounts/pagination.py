"""Pagination shared by every list page."""

from django.core.paginator import Page, Paginator
from django.http import HttpRequest, QueryDict


def page_of(request: HttpRequest, items, per_page: int = 25) -> Page:
    """The page the request asks for (``?page=``); out-of-range or junk gives the nearest page."""
    return Paginator(items, per_page).get_page(request.GET.get("page"))


def query_without_page(data: QueryDict) -> str:
    """The current filters as a query string, for the pagination links to carry."""
    query = data.copy()
    query.pop("page", None)
    return query.urlencode()
