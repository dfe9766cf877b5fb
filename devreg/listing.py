"""One machinery for every list page: filters, search, sorting and pages on the server, all in
the URL query so a view can be bookmarked. A list declares a ``ListSpec``; the view calls
``list_page(query, spec)``; the template calls the ``list_controls`` and ``pager`` macros of
``_macros/lists.html``. Two statements per page (the count and the rows) plus whatever the rows
eager-load, whatever the size of the table."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask import request, url_for
from sqlalchemy import Select, func, select
from werkzeug.datastructures import MultiDict

from devreg.extensions import db
from devreg.i18n import _

#: rows per page unless a list says otherwise
PER_PAGE = 50
#: the longest search text a list accepts
SEARCH_MAX = 100

Choices = Callable[[], Sequence[tuple[str, Any]]]


@dataclass(frozen=True)
class Filter:
    """One filter of a list: ``apply(query, value)`` narrows the query. ``kind`` is "select"
    (with ``choices``: (value, label) pairs; the value must be one of them), "date" (an ISO
    date, the value passed as a ``date``) or "text"."""

    name: str
    label: Any
    apply: Callable[[Select, Any], Select]
    kind: str = "select"
    choices: Choices | None = None


@dataclass(frozen=True)
class Sort:
    label: Any
    order_by: Callable[[], Sequence[Any]]


@dataclass(frozen=True)
class ListSpec:
    endpoint: str
    sorts: Mapping[str, Sort]
    filters: Sequence[Filter] = ()
    #: narrows the query to rows matching the search text (None: the list has no search box)
    search: Callable[[Select, str], Select] | None = None
    search_label: Any = None
    per_page: int = PER_PAGE

    @property
    def default_sort(self) -> str:
        return next(iter(self.sorts))


@dataclass
class ListPage:
    spec: ListSpec
    items: list[Any]
    total: int
    page: int
    pages: int
    sort: str
    q: str
    #: the filters in effect, by name, as typed in the URL
    values: dict[str, str]
    #: resolved (value, label) choices of each select filter, for the template
    choices: dict[str, list[tuple[str, str]]]
    #: messages about filter values that were ignored
    problems: list[str] = field(default_factory=list)
    #: the endpoint's own URL arguments (e.g. a queue's stage)
    view_args: dict[str, Any] = field(default_factory=dict)

    @property
    def first(self) -> int:
        return 0 if self.total == 0 else (self.page - 1) * self.spec.per_page + 1

    @property
    def last(self) -> int:
        return min(self.page * self.spec.per_page, self.total)

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def filtered(self) -> bool:
        return bool(self.q or self.values)

    def args(self, **changes: Any) -> dict[str, Any]:
        """The current query string with ``changes`` applied (None removes a key); any change
        other than the page goes back to page 1."""
        current: dict[str, Any] = dict(self.values)
        if self.q:
            current["q"] = self.q
        if self.sort != self.spec.default_sort:
            current["sort"] = self.sort
        if self.page > 1:
            current["page"] = self.page
        if set(changes) - {"page"}:
            current.pop("page", None)
        for key, value in changes.items():
            if value is None or value == "" or (key == "page" and value == 1):
                current.pop(key, None)
            else:
                current[key] = value
        return current

    def url(self, **changes: Any) -> str:
        return url_for(self.spec.endpoint, **self.view_args, **self.args(**changes))


def _parse_date(value: str) -> date | None:
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


@dataclass
class Narrowed:
    """A list's query with the URL's filters, search and sort applied (no page yet)."""

    query: Select
    values: dict[str, str]
    choices: dict[str, list[tuple[str, str]]]
    problems: list[str]
    q: str
    sort: str


def narrow(query: Select, spec: ListSpec, args: MultiDict[str, str] | None = None, *,
           extra_filters: Mapping[str, Callable[[Select, str], Select]] | None = None,
           ) -> Narrowed:
    """Apply the URL's filters, search and sort to ``query`` (already scoped to what the user
    may see). The page and its export both start here, so they list the same rows."""
    args = request.args if args is None else args
    values: dict[str, str] = {}
    choices: dict[str, list[tuple[str, str]]] = {}
    problems: list[str] = []
    for spec_filter in spec.filters:
        raw = args.get(spec_filter.name, "").strip()[:SEARCH_MAX]
        if spec_filter.kind == "select":
            options = [(str(v), str(label)) for v, label in (spec_filter.choices or list)()]
            choices[spec_filter.name] = options
            if not raw:
                continue
            if raw not in {v for v, _label in options}:
                problems.append(_("Unknown value for “%(filter)s” ignored.",
                                  filter=spec_filter.label))
                continue
            query = spec_filter.apply(query, raw)
        elif spec_filter.kind == "date":
            if not raw:
                continue
            day = _parse_date(raw)
            if day is None:
                problems.append(_("“%(filter)s” is not a date (YYYY-MM-DD); ignored.",
                                  filter=spec_filter.label))
                continue
            query = spec_filter.apply(query, day)
        else:
            if not raw:
                continue
            query = spec_filter.apply(query, raw)
        values[spec_filter.name] = raw
    for name, apply in (extra_filters or {}).items():
        raw = args.get(name, "").strip()[:SEARCH_MAX]
        if raw:
            query = apply(query, raw)
            values[name] = raw
    q = args.get("q", "").strip()[:SEARCH_MAX]
    if q and spec.search is not None:
        query = spec.search(query, q)
    else:
        q = ""
    sort = args.get("sort", "")
    if sort not in spec.sorts:
        sort = spec.default_sort
    query = query.order_by(None).order_by(*spec.sorts[sort].order_by())
    return Narrowed(query=query, values=values, choices=choices, problems=problems, q=q,
                    sort=sort)


def list_page(query: Select, spec: ListSpec, args: MultiDict[str, str] | None = None, *,
              view_args: Mapping[str, Any] | None = None,
              extra_filters: Mapping[str, Callable[[Select, str], Select]] | None = None,
              ) -> ListPage:
    """Apply the URL's filters, search, sort and page to ``query`` (already scoped to what
    the user may see) and run it: one count and one page of rows."""
    args = request.args if args is None else args
    narrowed = narrow(query, spec, args, extra_filters=extra_filters)
    query = narrowed.query
    try:
        page = max(int(args.get("page", "1")), 1)
    except ValueError:
        page = 1
    pagination = db.paginate(query, page=page, per_page=spec.per_page, error_out=False,
                             count=True)
    total = pagination.total or 0
    pages = max(pagination.pages, 1)
    if page > pages and total:
        # past the end (a bookmark on a list that shrank): the last page instead
        page = pages
        pagination = db.paginate(query, page=page, per_page=spec.per_page, error_out=False)
    return ListPage(spec=spec, items=list(pagination.items), total=total, page=page, pages=pages,
                    sort=narrowed.sort, q=narrowed.q, values=narrowed.values,
                    choices=narrowed.choices, problems=narrowed.problems,
                    view_args=dict(view_args or {}))


def count_together(queries: Mapping[str, Select]) -> dict[str, int]:  # type: ignore[type-arg]
    """The number of rows of each query, all in one statement (the tiles of a home page)."""
    if not queries:
        return {}
    columns = [select(func.count()).select_from(query.order_by(None).subquery())
               .scalar_subquery().label(f"n{i}") for i, query in enumerate(queries.values())]
    row = db.session.execute(select(*columns)).one()
    return {key: row[i] or 0 for i, key in enumerate(queries)}


def like_pattern(text: str) -> str:
    """``%text%`` for ILIKE with the wildcards in ``text`` escaped (use ``escape="\\\\"``)."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
