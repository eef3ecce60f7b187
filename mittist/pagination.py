"""A paginator for searches whose matches grow with the data."""

from functools import cached_property

from django.core.paginator import Paginator


class CappedPaginator(Paginator):
    """Counts the matches only up to `cap`: a common word can match a fifth of every case, and counting them
    all on every page grows with the number of cases. Past the cap, `capped` is true, the pages reach the
    first `cap` rows (in the list's order) and the page asks for a narrower search instead of a total.

    The count reads at most `cap + 1` rows: `object_list.count_up_to(cap + 1)` where it has one (a search
    that knows how to count its own matches), else `COUNT(*)` over a LIMITed subquery of the QuerySet,
    without the list's order."""

    def __init__(self, object_list, per_page, *, cap: int, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.cap = cap

    @cached_property
    def found(self) -> int:
        """The matches, counted up to one past the cap."""
        count_up_to = getattr(self.object_list, "count_up_to", None)
        if count_up_to is not None:
            return count_up_to(self.cap + 1)
        return self.object_list.order_by().values("pk")[: self.cap + 1].count()

    @cached_property
    def count(self) -> int:
        return min(self.found, self.cap)

    @property
    def capped(self) -> bool:
        return self.found > self.cap
