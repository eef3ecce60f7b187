"""Error views whose pages Django's defaults cannot give: the CSRF refusal in the site's layout, and a
500 page that needs neither the request nor the database (templates/500.html).

400, 403 and 404 need no view of their own: Django's handlers render templates/400.html, 403.html and
404.html with the request, so they have the layout, the user and the language."""

import logging

from django.conf import settings
from django.http import HttpResponseServerError
from django.shortcuts import render
from django.template import loader

log = logging.getLogger(__name__)


def csrf_failure(request, reason=""):
    log.info("CSRF refused %s %s: %s", request.method, request.path, reason)
    context = {"no_cookies": not request.COOKIES}
    return render(request, "403_csrf.html", context, status=403)


def server_error(request):
    html = loader.get_template("500.html").render({"office_email": settings.MITTIST_OFFICE_EMAIL})
    return HttpResponseServerError(html)
