"""Pagination shared by every list page."""

from django.core.paginator import Page, Paginator
from django.http import HttpRequest, QueryDict


def page_of(request: HttpRequest, items, per_page: int = 25) -> Page:
    """The page the request asks for (``?page=``); out-of-range or junk gives the nearest page."""
    return Paginator(items, per_page).get_page(request.GET.get("page"))


def query_without_page(data: QueryDict) -> str:
    """The current filters as a query string, for the pagination links to carry."""
    return query_without(data, "page")


def query_without(data: QueryDict, param: str) -> str:
    """The query string without ``param``: the links of a page with two paginated lists carry
    the other list's page (``includes/pagination.html`` with ``page_param``)."""
    query = data.copy()
    query.pop(param, None)
    return query.urlencode()


def filtered_page(
    request: HttpRequest, filterset, *, data: QueryDict | None = None, per_page: int = 25, items=None
) -> dict:
    """The context of a filtered list page: the filter (for includes/filter_bar.html), the page of
    its results and the query the pagination links carry. ``data`` is what the filter was bound
    to when the view filled in defaults (the current quarter, say); it defaults to ``request.GET``.
    ``items`` is what to paginate when it is not the filter's queryset as it is (a sequence that
    reads the same rows faster, say)."""
    return {
        "filter": filterset,
        "page": page_of(request, filterset.qs if items is None else items, per_page),
        "query": query_without_page(request.GET if data is None else data),
    }
