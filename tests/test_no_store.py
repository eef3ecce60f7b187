"""Every response to a signed-in user or through a capability link carries Cache-Control: no-store, and
every page a Permissions-Policy: walked over every URL pattern the project has."""

import uuid

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from evaluations.models import Evaluation

S = Evaluation.State
ARGUMENT = {"uuid": None, "int": 1, "slug": "a", "str": "a", "path": "a"}


def walk(patterns, prefix=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from walk(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry


def every_url(case_id) -> list[str]:
    """One concrete URL per pattern: UUIDs are the case's (so case pages render), other parts a placeholder."""
    import re

    urls = []
    for route, _entry in walk(get_resolver().url_patterns):
        if route.startswith("^") or "(?P" in route:  # regex patterns (the admin's): one plain example each
            route = re.sub(r"\(\?P<\w+>[^)]*\)", "1", route).lstrip("^").rstrip("$").replace("\\", "")
        url = "/" + re.sub(
            r"<(?:(\w+):)?(\w+)>", lambda m: str(case_id) if m.group(1) == "uuid" else ARGUMENT.get(m.group(1) or "str", "a"),
            route,
        )
        urls.append(url.replace("//", "/"))
    return sorted(set(urls))


def test_the_walk_covers_the_pages_named_in_the_issue(db):
    urls = every_url(uuid.uuid4())
    assert len(urls) > 80
    for fragment in ("/portfolj/", "/minicex/", "/rapport/", "csv"):
        assert any(fragment in url.lower() for url in urls), fragment


@pytest.mark.parametrize("who", ["coordinator", "trainee", "evaluator", "anonymous"])
def test_no_response_may_be_stored(db, make_case, who, request):
    case = make_case(S.PRACTICE_DAY_AGREED)
    client = Client(raise_request_exception=False)
    if who == "trainee":
        client.force_login(case.trainee)
    elif who == "evaluator":
        client.force_login(case.evaluator.user)
    elif who != "anonymous":
        client.force_login(request.getfixturevalue(who))
    statuses = {}
    for url in every_url(case.pk):
        response = client.get(url)
        statuses[url] = response.status_code
        assert "no-store" in response.get("Cache-Control", ""), (url, response.status_code)
        assert "camera=()" in response["Permissions-Policy"], url
    if who != "anonymous":
        # Not only error pages: the walk reaches real pages of this user.
        assert sum(status == 200 for status in statuses.values()) >= 5, statuses

