"""The reserve list (后备干部名单) of the user's scope: a township, a county or the city, filtered, paginated and
exported as .xlsx with the same filters.

Rows start from `Reserve.objects.for_user(user)`; the filters' unit choices are the user's scope too.
"""

from __future__ import annotations

import io

from django.core.paginator import Page, Paginator
from django.db.models import Case, IntegerField, QuerySet, When
from django.http import FileResponse, HttpResponse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_GET

from reserves.choices import ReserveStatus
from reserves.filters import ReserveListForm
from reserves.models import Reserve
from reserves.reserve_list import ReserveRow, filter_eligibility, loaded, reserve_rows, with_training
from reserves.workbook import reserve_workbook
from villages.headlines import POST_ORDER
from villages.http import AuthedHttpRequest, page_or_partial
from villages.models import Person, User
from villages.rules import RuleBook

PAGE_SIZE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
POST_RANK = Case(*[When(target_post=post, then=rank) for post, rank in POST_ORDER.items()], output_field=IntegerField())
ACTIVE_FIRST = Case(When(status=ReserveStatus.ACTIVE, then=0), default=1, output_field=IntegerField())


def listed(form: ReserveListForm, user: User) -> QuerySet[Reserve]:
    """The scoped, filtered reserves in list order: village, active before past entries, target post (post
    importance), rank."""
    if form.is_bound and not form.is_valid():
        return Reserve.objects.none()  # a filter we cannot apply: show nothing rather than the wrong rows
    reserves = form.filtered(with_training(Reserve.objects.for_user(user)))
    ordered = loaded(reserves).alias(active_first=ACTIVE_FIRST, post_rank=POST_RANK)
    return ordered.order_by("village__code", "active_first", "post_rank", "rank", "pk")


def scope_title(user: User) -> str:
    return user.scope_label if user.is_authenticated else ""


@require_GET
def reserve_list(request: AuthedHttpRequest) -> HttpResponse:
    form = ReserveListForm(request.GET or None, user=request.user)
    reserves = listed(form, request.user)
    book = RuleBook.load()
    rows: list[ReserveRow]
    if wanted := form.eligibility_wanted:  # judged in Python (reserve_list): filter every row, then paginate
        eligible = Paginator(filter_eligibility(reserve_rows(reserves, book=book), wanted), PAGE_SIZE)
        page: Page = eligible.get_page(request.GET.get("page"))
        rows = list(page.object_list)
    else:
        page = Paginator(reserves, PAGE_SIZE).get_page(request.GET.get("page"))
        rows = reserve_rows(page.object_list, book=book)
    # The filters that are set (an htmx form submits every field, most of them blank), for the pager and export.
    query = urlencode({key: value for key in request.GET if key != "page" and (value := request.GET.get(key))})
    context = {"form": form, "page": page, "rows": rows, "query": query, "scope": scope_title(request.user)}
    return page_or_partial(request, "reserves/reserve_list.html", "reserve-results", context)


@require_GET
def reserve_export(request: AuthedHttpRequest) -> FileResponse:
    """The list's rows (every page) with the same filters, in the documented shape (docs/exports.md)."""
    form = ReserveListForm(request.GET or None, user=request.user)
    rows: list[ReserveRow] = reserve_rows(listed(form, request.user))
    if wanted := form.eligibility_wanted:
        rows = filter_eligibility(rows, wanted)
    listed_people = listed(form, request.user).values("person_id")
    editable = set(Person.objects.editable_by(request.user).filter(pk__in=listed_people).values_list("pk", flat=True))
    title = f"{scope_title(request.user)}后备干部名单（{timezone.localdate():%Y-%m-%d}）"
    content = reserve_workbook(title=title, rows=rows, user=request.user, editable=editable)
    name = f"{scope_title(request.user)}后备干部名单_{timezone.localdate():%Y%m%d}.xlsx"
    return FileResponse(io.BytesIO(content), as_attachment=True, filename=name, content_type=XLSX)
