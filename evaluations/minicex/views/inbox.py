"""The assessor's page: forms waiting for them and the ones they have assessed, whatever their role.

Supervisors, senior trainees and evaluators all assess; a supervisor with an account starts here."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render

from ..models import MiniCex
from ..templatetags.minicex import minicex_to_assess

PAGE_SIZE = 25


@login_required
def assessments(request):
    done = (MiniCex.objects.filter(assessor_user=request.user, state__in=[MiniCex.S.ASSESSED, MiniCex.S.COMPLETED])
            .select_related("trainee", "definition").order_by("-performed_on", "-created_at"))
    return render(request, "minicex/assessments.html", {
        "to_assess": minicex_to_assess(request.user),
        "page_obj": Paginator(done, PAGE_SIZE).get_page(request.GET.get("page")),
    })
