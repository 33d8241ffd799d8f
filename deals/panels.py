"""The hook through which coaching adds to the deal pages, so `deals` never imports `coaching`.

`deals` owns the pages (My deals at `/deals/`, the deal page at `/deals/<id>/`);
coaching apps own what they know (RSVP chips and scorecard, close-plan summary,
flags). A coaching app registers its pieces here from its `AppConfig.ready()`:

    from deals import panels

    panels.register_page_panel(panels.DealPagePanel(
        key="rsvp", title="RSVP scorecard", order=10,
        template="rsvp/_partials/scorecard.html",
        context=rsvp_page_context,          # (*, request, opportunity, as_of) -> dict | None
        headline="rsvp/_partials/headline.html",  # optional: a one-glance summary near the top
    ))
    panels.register_list_column(panels.DealListColumn(
        key="rsvp", label="RSVP", order=10,
        template="rsvp/_partials/chips.html",
        cells=rsvp_list_cells,              # (*, user, opportunities, as_of) -> {opportunity_id: dict}
        sort=rsvp_sort_annotation,          # optional: (queryset) -> queryset annotated with `sort_rsvp`
    ))
    panels.register_list_filter(panels.DealListFilter(
        key="flag", label="Flag",
        choices=[("no_activity", "No activity"), ...],
        apply=lambda queryset, value: queryset.filter(...),
    ))

Rules for providers:

- `cells` is called once per page with the page's deals and must run a
  constant number of queries (the list asserts it); return a dict of template
  context per opportunity id, leaving out deals that have nothing to show.
- `context` returns the template's context, or None to show the placeholder.
- Templates are rendered with the page's context plus the provider's dict, so
  `{% csrf_token %}`, `request` and `user` work inside them. Each panel sits in
  an element with id `panel-<key>` (and `data-testid="panel-<key>"`), which an
  htmx form inside it can target to re-render itself.
- Registering a key again replaces the earlier registration.

Until a provider registers, the page shows the placeholder named in
`EXPECTED_PAGE_PANELS` / `EXPECTED_LIST_COLUMNS`, so the layout is stable.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet

# Slots the pages expect; a placeholder stands in until something registers the key.
EXPECTED_PAGE_PANELS: tuple[tuple[str, str, str], ...] = (
    ("rsvp", "RSVP scorecard", "RSVP scoring is not available yet."),
    ("closeplan", "Close plan", "Close plans are not available yet."),
    ("flags", "Flags", "Stale-deal flags are not available yet."),
)
EXPECTED_LIST_COLUMNS: tuple[tuple[str, str], ...] = (
    ("rsvp", "RSVP"),
    ("closeplan", "Sign by · next milestone"),
    ("flags", "Flags"),
)


@dataclass(frozen=True)
class DealPagePanel:
    key: str
    title: str
    template: str
    context: Callable[..., dict[str, Any] | None]
    order: int = 100
    # Optional one-glance version (e.g. the coaching question to ask next), rendered with the
    # same context near the top of the deal page, where a rep on a phone sees it first.
    headline: str | None = None


@dataclass(frozen=True)
class DealListColumn:
    key: str
    label: str
    template: str
    cells: Callable[..., dict[int, dict[str, Any]]]
    order: int = 100
    # Given the visible queryset, return it annotated with `sort_<key>` so the
    # list can order by it in the database (pagination needs that).
    sort: Callable[[QuerySet], QuerySet] | None = None


@dataclass(frozen=True)
class DealListFilter:
    key: str
    label: str
    choices: Sequence[tuple[str, str]] | Callable[[], Sequence[tuple[str, str]]]
    apply: Callable[[QuerySet, str], QuerySet]
    order: int = 100

    def choice_list(self) -> list[tuple[str, str]]:
        return list(self.choices() if callable(self.choices) else self.choices)


@dataclass(frozen=True)
class DeskPanel:
    """A box at the top of My deals (e.g. the rep's open coaching commitments)."""

    key: str
    title: str
    template: str
    context: Callable[..., dict[str, Any] | None]  # (*, request) -> dict | None (None hides the box)
    order: int = 100


@dataclass
class _Registry:
    desk_panels: dict[str, DeskPanel] = field(default_factory=dict)
    page_panels: dict[str, DealPagePanel] = field(default_factory=dict)
    list_columns: dict[str, DealListColumn] = field(default_factory=dict)
    list_filters: dict[str, DealListFilter] = field(default_factory=dict)


_registry = _Registry()


def register_desk_panel(panel: DeskPanel) -> None:
    _registry.desk_panels[panel.key] = panel


def desk_panels_for(*, request) -> list[RenderedPanel]:
    rendered = []
    for panel in sorted(_registry.desk_panels.values(), key=lambda p: (p.order, p.key)):
        context = panel.context(request=request)
        if context is not None:
            rendered.append(RenderedPanel(panel.key, panel.title, panel.template, context))
    return rendered


def register_page_panel(panel: DealPagePanel) -> None:
    _registry.page_panels[panel.key] = panel


def register_list_column(column: DealListColumn) -> None:
    _registry.list_columns[column.key] = column


def register_list_filter(list_filter: DealListFilter) -> None:
    _registry.list_filters[list_filter.key] = list_filter


def unregister(key: str) -> None:
    """Drop every registration under `key` (tests use it to simulate a missing app)."""
    _registry.desk_panels.pop(key, None)
    _registry.page_panels.pop(key, None)
    _registry.list_columns.pop(key, None)
    _registry.list_filters.pop(key, None)


def list_filters() -> list[DealListFilter]:
    return sorted(_registry.list_filters.values(), key=lambda f: (f.order, f.key))


def list_sorts() -> list[tuple[str, str]]:
    """(key, label) of the registered columns the list can sort by."""
    columns = sorted(_registry.list_columns.values(), key=lambda c: (c.order, c.key))
    return [(c.key, c.label) for c in columns if c.sort is not None]


def sort_column(key: str) -> DealListColumn | None:
    column = _registry.list_columns.get(key)
    return column if column is not None and column.sort is not None else None


# --- What the views render ------------------------------------------------------

@dataclass(frozen=True)
class RenderedPanel:
    """One slot on a page: a registered template with its context, or a placeholder."""

    key: str
    title: str
    template: str | None
    context: dict[str, Any] | None
    placeholder: str = ""
    headline: str | None = None

    @property
    def available(self) -> bool:
        return self.template is not None and self.context is not None


def page_panels_for(*, request, opportunity, as_of: dt.date) -> list[RenderedPanel]:
    registered = dict(_registry.page_panels)
    result: list[tuple[int, RenderedPanel]] = []
    for position, (key, title, placeholder) in enumerate(EXPECTED_PAGE_PANELS):
        panel = registered.pop(key, None)
        if panel is None:
            result.append((position * 10, RenderedPanel(key, title, None, None, placeholder)))
        else:
            context = panel.context(request=request, opportunity=opportunity, as_of=as_of)
            result.append((panel.order, RenderedPanel(key, panel.title, panel.template, context, placeholder,
                                                      panel.headline)))
    for panel in registered.values():
        context = panel.context(request=request, opportunity=opportunity, as_of=as_of)
        result.append((panel.order, RenderedPanel(panel.key, panel.title, panel.template, context,
                                                  headline=panel.headline)))
    return [rendered for _, rendered in sorted(result, key=lambda item: item[0])]


@dataclass(frozen=True)
class ListColumn:
    key: str
    label: str
    template: str | None
    cells: dict[int, dict[str, Any]]
    sortable: bool = False

    def cell_for(self, opportunity_id: int) -> dict[str, Any] | None:
        return self.cells.get(opportunity_id)


def list_columns_for(*, user, opportunities: Sequence, as_of: dt.date) -> list[ListColumn]:
    """The coaching columns of the deal list, each filled for these deals in one batch."""
    registered = dict(_registry.list_columns)
    result: list[tuple[int, ListColumn]] = []
    for position, (key, label) in enumerate(EXPECTED_LIST_COLUMNS):
        column = registered.pop(key, None)
        if column is None:
            result.append((position * 10, ListColumn(key, label, None, {})))
        else:
            result.append((column.order, _fill(column, user, opportunities, as_of)))
    for column in registered.values():
        result.append((column.order, _fill(column, user, opportunities, as_of)))
    return [column for _, column in sorted(result, key=lambda item: item[0])]


def _fill(column: DealListColumn, user, opportunities: Sequence, as_of: dt.date) -> ListColumn:
    cells = column.cells(user=user, opportunities=opportunities, as_of=as_of) if opportunities else {}
    return ListColumn(column.key, column.label, column.template, cells, sortable=column.sort is not None)
