"""Every route × every identity × GET and POST, against one policy table.

The table (`POLICY`) is the decision of who may do what on each page. A route without a row fails
`test_every_route_has_a_policy_row`, so a new page cannot ship before someone decides who may open it.

Each row holds two specs, GET and POST, written as `identity=status` words:

    "out=login *=403 coordinator=200"

- identities: anon, trainee, other_trainee, bt, evaluator, other_evaluator, coordinator, quality,
  supervisor_link, share_link (see tests/world.py); `out` = the three without an account (anon and the
  two link holders); `*` = everyone not named otherwise; names may be joined with commas;
- statuses: a number, or `login` (302 to the login page), `adminlogin` (302 to the admin's login),
  `redirect` (302 anywhere else).

The world is one full case in "certified" (the report delivered and reviewed), two days after its practice
day, every text field carrying a unique marker. Every request runs in a savepoint that is rolled back, so
one check cannot change what the next sees. The coordinator's every response is searched for every marker:
the office sees completeness, never portfolio, mini-CEX or report text.
"""

import copy
import re
import uuid
from dataclasses import dataclass

import time_machine
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from tests.portfolio.conftest import _media_in_tmp  # noqa: F401  (fixture: uploads go to a temporary folder)
from tests.world import IDENTITIES, SIGNED_OUT, build_world

STATUS_WORDS = {"login", "adminlogin", "redirect"}


@dataclass(frozen=True)
class Row:
    get: str
    post: str
    note: str = ""  # why, where it is not obvious; "may change:" marks rows that follow work in progress


def parse_spec(spec: str) -> dict[str, object]:
    """'out=login *=403 coordinator=200' -> {identity: expected} for every identity."""
    default, named = None, {}
    for word in spec.split():
        keys, _, value = word.partition("=")
        expected = value if value in STATUS_WORDS else int(value)
        for key in keys.split(","):
            if key == "*":
                default = expected
            elif key == "out":
                named.update(dict.fromkeys(SIGNED_OUT, expected))
            elif key in IDENTITIES:
                named[key] = expected
            else:
                raise ValueError(f"unknown identity {key!r} in {spec!r}")
    missing = [i for i in IDENTITIES if i not in named and default is None]
    if missing:
        raise ValueError(f"{spec!r} says nothing for {missing}")
    return {i: named.get(i, default) for i in IDENTITIES}


# "may change:" in a note marks rows that follow behaviour other work is changing now. Staff (coordinator,
# quality) must sign in with a second factor: the world's clients have passed it (force_login is patched in
# tests/conftest.py), so their rows say what a fully signed-in member of staff gets.
POLICY: dict[str, Row] = {
    # --- accounts and public pages -------------------------------------------------------------------
    "home": Row("out=login *=redirect", "out=login *=redirect", "each role is sent to its own start page"),
    "accounts:login": Row("out=200 *=redirect", "out=200 *=redirect", "signed in: sent on"),
    "accounts:logout": Row("*=405", "*=login", "POST only (no logout by a prefetched link)"),
    "accounts:password_reset": Row("*=200", "*=200", "the same answer whether the address is known or not"),
    "accounts:password_reset_done": Row("*=200", "*=405"),
    "accounts:password_reset_confirm": Row("*=200", "*=200", "a valid token for the trainee"),
    "accounts:password_reset_complete": Row("*=200", "*=405"),
    "accounts:second_factor": Row("out=login *=200", "out=login *=200", "each account's own second factor page"),
    "accounts:second_factor_verify": Row("out=login *=redirect", "out=login *=redirect",
                                         "staff are verified already, the others need no second step"),
    "accounts:second_factor_enrol": Row("out=login *=200 coordinator,quality=redirect",
                                        "out=login *=200 coordinator,quality=redirect",
                                        "staff have an authenticator: sent on; the others may add one"),
    "accounts:second_factor_recovery_codes": Row("out=login *=405", "out=login *=redirect coordinator,quality=200",
                                                 "new codes for an account with an authenticator; none without"),
    "accounts:second_factor_disable": Row("out=login *=405", "out=login *=400 coordinator,quality=403",
                                          "staff may not turn it off; the others need a code (empty: refused)"),
    "accounts:lockouts": Row("out=login *=403 coordinator=200", "out=login *=403 coordinator=redirect",
                             "the office lifts lock-outs"),
    "set_language": Row("*=405", "*=redirect"),
    "evaluations:register": Row("out=200 *=redirect", "out=200 *=redirect",
                                "signed in: 'you are already signed in' (the world has no rejected trainee who may register again)"),
    "evaluations:register_sent": Row("*=200", "*=200", "the same answer for every registration: says nothing"),
    "evaluations:register_confirm": Row("*=200", "*=redirect",
                                        "the world's pending registration: GET shows a button (mail scanners follow "
                                        "links), POST confirms it (here: flagged, the personnummer has a case)"),
    "evaluations:register_confirmed": Row("*=200", "*=200", "the same page whatever the confirmation made"),
    "evaluations:flagged_registration": Row("out=login *=403 coordinator=200", "out=login *=403 coordinator=200",
                                            "the office decides; POST without a verb shows the page again"),
    "evaluations:mail_resend": Row("*=405", "out=login *=403 coordinator=redirect",
                                   "the office resends a mail (to the address as corrected)"),
    "evaluations:healthz": Row("*=200", "*=200"),
    "reports:verify": Row("*=200", "*=400", "public check of a report's code; an empty POST is a bad request"),
    "certificates:verify": Row("*=200", "*=405", "public, printed on the certificate"),
    "certificates:verify_code": Row("*=200", "*=405"),

    # --- the office, the evaluators', the quality group's start pages --------------------------------
    "evaluations:dashboard": Row("out=login *=403 coordinator=200", "out=login *=403 coordinator=200"),
    "evaluations:case_export": Row("out=login *=403 coordinator=200", "out=login *=403 coordinator=200"),
    "evaluations:evaluator_list": Row("out=login *=403 coordinator=200", "out=login *=403 coordinator=200"),
    "evaluations:evaluator_create": Row("out=login *=403 coordinator=200", "out=login *=403 coordinator=400"),
    "evaluations:evaluator_edit": Row("out=login *=403 coordinator=200", "out=login *=403 coordinator=400"),
    "evaluations:trainee_home": Row("out=login *=403 trainee,other_trainee=200 bt=redirect",
                                    "out=login *=403 trainee,other_trainee=200 bt=redirect",
                                    "a doctor with no Mitt-i-ST case is sent to the mini-CEX pages"),
    "evaluations:evaluator_home": Row("out=login *=403 evaluator,other_evaluator=200",
                                      "out=login *=403 evaluator,other_evaluator=200"),
    "evaluations:quality_home": Row("out=login *=403 quality=200", "out=login *=403 quality=200"),

    # --- the case ------------------------------------------------------------------------------------
    # 404: not your case (indistinguishable from none); 403: your case (or your role's view of it), not your step.
    "evaluations:case_detail": Row("out=login *=200 other_trainee,bt,other_evaluator=404",
                                   "out=login *=200 other_trainee,bt,other_evaluator=404",
                                   "quality sees a certified case's page (report-visible states)"),
    "evaluations:assign_evaluator": Row("out=login *=403 coordinator=redirect", "out=login *=403 coordinator=redirect",
                                        "redirect: no assignment in this state"),
    "evaluations:case_action": Row("*=405", "out=login *=403 other_trainee,bt,other_evaluator=404 coordinator=400",
                                   "verb 'withdraw', an empty reason: refused at the field (400)"),
    "evaluations:read_log": Row("out=login *=403 other_trainee,bt,other_evaluator=404 trainee,coordinator=200",
                                "out=login *=405",
                                "who read the material: the case's trainee and the office, nobody else"),
    "evaluations:erase_personal_data": Row("*=405", "out=login *=403 other_trainee,bt,other_evaluator=404 "
                                                    "coordinator=redirect",
                                           "the office's step; without the tick box nothing is erased"),
    "evaluations:request_erasure": Row("*=405", "out=login *=403 other_trainee,bt,other_evaluator=404 "
                                                "trainee=redirect", "only the case's own trainee asks"),
    "evaluations:my_data": Row("out=login *=403 trainee,other_trainee,bt=200",
                               "out=login *=403 trainee,other_trainee,bt=405",
                               "each trainee's own page (no id in the address)"),
    "evaluations:my_data_export": Row("out=login *=403 trainee,other_trainee,bt=200",
                                      "out=login *=403 trainee,other_trainee,bt=405",
                                      "each trainee downloads only their own data"),
    "evaluations:purge": Row("out=login *=404 trainee,coordinator=200 evaluator,quality=403", "out=login *=405"),

    # --- the report, its shares and review ----------------------------------------------------------
    "reports:read": Row("out=login *=200 other_trainee,bt,other_evaluator=404 coordinator=403",
                        "out=login *=200 other_trainee,bt,other_evaluator=404 coordinator=403",
                        "the office never reads the report"),
    "reports:write": Row("out=login *=redirect other_trainee,bt,other_evaluator=404 coordinator=403",
                         "out=login *=redirect other_trainee,bt,other_evaluator=404 coordinator=403",
                         "delivered: everyone allowed is sent to the read page"),
    "reports:autosave": Row("*=405", "out=401 *=403 other_trainee,bt,other_evaluator=404"),
    "reports:preview": Row("out=login *=redirect other_trainee,bt,other_evaluator=404 coordinator=403",
                           "out=login *=redirect other_trainee,bt,other_evaluator=404 coordinator=403"),
    "reports:deliver": Row("out=login *=redirect other_trainee,bt,other_evaluator=404 coordinator=403",
                           "out=login *=redirect other_trainee,bt,other_evaluator=404 coordinator=403"),
    "reports:pdf": Row("out=login *=200 other_trainee,bt,other_evaluator=404 coordinator=403",
                       "out=login *=200 other_trainee,bt,other_evaluator=404 coordinator=403"),
    "reports:share": Row("out=login *=404 trainee=200 evaluator,coordinator,quality=403",
                         "out=login *=404 trainee=400 evaluator,coordinator,quality=403"),
    "reports:review": Row("out=login *=403 other_trainee,bt,other_evaluator=404 quality=200",
                          "out=login *=403 other_trainee,bt,other_evaluator=404",
                          "POST 403 for quality too: the review is already recorded"),
    "reports:shared_landing": Row("*=200", "*=redirect", "anyone with the token; POST grants this browser"),
    "reports:shared_view": Row("*=404 share_link=200", "*=404 share_link=200", "only the granted browser"),
    "reports:shared_pdf": Row("*=404 share_link=200", "*=404 share_link=200"),

    # --- the certificate -----------------------------------------------------------------------------
    "certificates:download": Row("out=login *=404 trainee,coordinator=200 evaluator,quality=403", "out=login *=405"),
    "certificates:issue_early": Row("*=405", "out=login *=403 other_trainee,bt,other_evaluator=404 coordinator=400"),
    "certificates:revoke": Row("*=405", "out=login *=403 other_trainee,bt,other_evaluator=404 coordinator=400"),

    # --- the portfolio -------------------------------------------------------------------------------
    "portfolio:overview": Row("out=login *=200 other_trainee,bt,other_evaluator=404 quality=403", "*=405",
                              "the office sees completeness only (the marker search checks it)"),
    "portfolio:section": Row("out=login *=404 trainee,evaluator=200 coordinator,quality=403",
                             "out=login *=403 other_trainee,bt,other_evaluator=404"),
    "portfolio:section_autosave": Row("*=405", "out=401 *=403 other_trainee,bt,other_evaluator=404"),
    "portfolio:supervisor": Row("out=login *=404 trainee,coordinator=200 evaluator,quality=403",
                                "out=login *=404 trainee,coordinator=redirect evaluator,quality=403"),
    "portfolio:supervisor_statement": Row("*=404 supervisor_link=410", "*=403 supervisor_link=410",
                                          "the statement is submitted: the link is spent (410)"),
    "portfolio:supervisor_statement_autosave": Row("out=405 *=405", "*=401 supervisor_link=410"),
    "portfolio:supervisor_statement_submit": Row("*=405", "*=403 supervisor_link=410"),
    "portfolio:supervisor_landing": Row("*=410", "*=410", "the token of a spent link"),
    "portfolio:document_upload": Row("out=login *=403 other_trainee,bt,other_evaluator=404",
                                     "out=login *=403 other_trainee,bt,other_evaluator=404",
                                     "the material is submitted: nobody uploads now"),
    "portfolio:document_remove": Row("*=405", "out=login *=403 other_trainee,bt,other_evaluator=404"),
    "portfolio:document_download": Row("out=login *=404 trainee,evaluator=200 coordinator,quality=403", "*=405"),
    "portfolio:recordings": Row("out=login *=404 trainee,evaluator=200 coordinator,quality=403",
                                "out=login *=403 other_trainee,bt,other_evaluator=404"),
    "portfolio:recording_edit": Row("out=login *=404 trainee,evaluator=200 coordinator,quality=403",
                                    "out=login *=403 other_trainee,bt,other_evaluator=404"),
    "portfolio:recording_delete": Row("*=405", "out=login *=403 other_trainee,bt,other_evaluator=404"),
    "portfolio:self_evaluation": Row("out=login *=404 trainee,evaluator=200 coordinator,quality=403",
                                     "out=login *=403 other_trainee,bt,other_evaluator=404"),
    "portfolio:submit": Row("out=login *=403 trainee=200 other_trainee,bt=404",
                            "out=login *=403 trainee=redirect other_trainee,bt=404",
                            "a trainee's step: other roles 403 whatever the case"),
    "portfolio:reading": Row("out=login *=404 trainee,evaluator=200 coordinator,quality=403", "out=login *=405"),
    "portfolio:reading_pdf": Row("out=login *=404 trainee,evaluator=200 coordinator,quality=403", "out=login *=405"),
    "portfolio:reading_pdf_retry": Row("out=login *=405",
                                       "out=login *=404 trainee,evaluator=redirect coordinator,quality=403",
                                       "asks the worker again for a PDF that failed; the readers of the PDF only"),
    "portfolio:material_download": Row("out=login *=404 trainee=200 evaluator,coordinator,quality=403",
                                       "out=login *=405", "the trainee's own copy before the purge"),

    # --- the practice day and its programme ----------------------------------------------------------
    "scheduling:practice_day": Row("out=login *=200 other_trainee,bt,other_evaluator=404 quality=403",
                                   "out=login *=405 quality=403"),
    "scheduling:practice_day_propose": Row("out=login *=405 coordinator,quality=403",
                                           "out=login *=404 trainee,evaluator=400 coordinator,quality=403"),
    "scheduling:practice_day_decline": Row("out=login *=405 coordinator,quality=403",
                                           "out=login *=404 trainee,evaluator=redirect coordinator,quality=403"),
    "scheduling:practice_day_confirm": Row("out=login *=405 coordinator,quality=403",
                                           "out=login *=404 trainee=redirect evaluator,coordinator,quality=403",
                                           "the evaluator made this proposal: only the trainee confirms it"),
    "scheduling:practice_day_withdraw": Row("out=login *=405 coordinator,quality=403",
                                            "out=login *=403 other_trainee,bt,other_evaluator=404 evaluator=redirect",
                                            "only who proposed it withdraws it"),
    "scheduling:practice_day_reschedule": Row("out=login *=403 coordinator=405", "out=login *=403 coordinator=400",
                                              "only the office moves an agreed day directly (the others propose); "
                                              "an empty form is refused at the field"),
    "scheduling:practice_day_ics": Row("out=login *=200 other_trainee,bt,other_evaluator=404 quality=403",
                                       "out=login *=405 quality=403"),
    "scheduling:programme": Row("out=login *=200 other_trainee,bt,other_evaluator=404 quality=403",
                                "out=login *=404 trainee,evaluator=redirect coordinator,quality=403",
                                "the office reads the day's shape, without the notes (marker search)"),
    "scheduling:programme_fill": Row("out=login *=405",
                                     "out=login *=404 trainee,evaluator=redirect coordinator,quality=403"),
    "scheduling:programme_print": Row("out=login *=200 other_trainee,bt,other_evaluator=404 quality=403",
                                      "out=login *=405"),
    "scheduling:programme_item": Row("out=login *=404 trainee,evaluator=redirect coordinator,quality=403",
                                     "out=login *=404 trainee,evaluator=redirect coordinator,quality=403"),
    "scheduling:programme_item_remove": Row("out=login *=405",
                                            "out=login *=404 trainee,evaluator=redirect coordinator,quality=403"),
    "scheduling:programme_pdf": Row("out=login *=200 other_trainee,bt,other_evaluator=404 quality=403",
                                    "out=login *=405"),
    "scheduling:start_minicex": Row("out=login *=405", "out=login *=403 other_trainee,bt,other_evaluator=404",
                                    "the practice day is over: no new form"),

    # --- mini-CEX (the case's form, assessed by the evaluator; the BT doctor's form waits at a link) ----
    "minicex:list": Row("out=login *=200 evaluator,other_evaluator,quality=403 coordinator=redirect",
                        "out=login *=200 evaluator,other_evaluator,quality=403 coordinator=redirect"),
    "minicex:compare_pick": Row("out=login *=403 trainee,other_trainee,bt=redirect",
                                "out=login *=403 trainee,other_trainee,bt=redirect"),
    "minicex:create": Row("out=login *=403 trainee,other_trainee,bt=200", "out=login *=403 trainee,other_trainee,bt=200"),
    "minicex:training": Row("out=login *=403 trainee,other_trainee,bt=200",
                            "out=login *=403 trainee,other_trainee,bt=200"),
    "minicex:detail": Row("out=login *=404 trainee,evaluator,coordinator=200",
                          "out=login *=404 trainee,evaluator,coordinator=200",
                          "the coordinator is the mini-CEX controller (seed 004)"),
    "minicex:edit": Row("out=login *=403 trainee=redirect other_trainee,bt=404",
                        "out=login *=403 trainee=redirect other_trainee,bt=404"),
    "minicex:send_link": Row("*=405", "out=login *=403 trainee=redirect other_trainee,bt=404"),
    "minicex:resend_link": Row("*=405", "out=login *=403 trainee=redirect other_trainee,bt=404"),
    "minicex:extend_link": Row("*=405", "out=login *=403 trainee=redirect other_trainee,bt=404"),
    "minicex:hand_over": Row("*=405", "out=login *=403 trainee=redirect other_trainee,bt=404"),
    "minicex:cancel": Row("out=login *=403 trainee=redirect other_trainee,bt=404",
                          "out=login *=403 trainee=redirect other_trainee,bt=404"),
    "minicex:action_plan": Row("out=login *=403 trainee=200 other_trainee,bt=404",
                               "out=login *=403 trainee=200 other_trainee,bt=404"),
    "minicex:assess_device": Row("out=login *=404 trainee=redirect evaluator,coordinator=403",
                                 "out=login *=404 trainee=redirect evaluator,coordinator=403"),
    "minicex:assess_device_form": Row("out=login *=404 trainee=redirect evaluator,coordinator=403",
                                      "out=login *=404 trainee=redirect evaluator,coordinator=403"),
    "minicex:assess_device_done": Row("out=login *=404 trainee=200 evaluator,coordinator=403", "out=login *=405"),
    "minicex:assess": Row("out=login *=404 trainee,coordinator=403 evaluator=200",
                          "out=login *=404 trainee,coordinator=403 evaluator=200"),
    "minicex:assess_link": Row("*=200 bt=403", "*=redirect bt=403",
                               "anyone with the token is the assessor, except the form's own doctor"),
    "minicex:assessments": Row("out=login *=200", "out=login *=200", "each sees their own inbox"),
    "minicex:progress": Row("out=login *=403 trainee,other_trainee,bt=200", "out=login *=405"),
    "minicex:trainee_progress": Row("out=login *=403 coordinator=200", "out=login *=405"),
    "minicex:compare": Row("out=login *=200", "out=login *=405"),
    "minicex:pdf": Row("out=login *=404 trainee,evaluator,coordinator=200", "out=login *=405"),
    "minicex:trainees": Row("out=login *=403 coordinator=200", "out=login *=403 coordinator=200"),
    "minicex:add_trainee": Row("out=login *=403 coordinator=200", "out=login *=403 coordinator=200"),
    "minicex:trainee_forms": Row("out=login *=403 coordinator=200", "out=login *=403 coordinator=200"),
    "minicex:trainee_training": Row("out=login *=403 coordinator=200", "out=login *=403 coordinator=200"),
    "minicex:amend": Row("out=login *=403 coordinator=200", "out=login *=403 coordinator=200"),

    # --- the feedback survey -------------------------------------------------------------------------
    "survey:answer": Row("out=login *=404 trainee=200 evaluator,coordinator,quality=403",
                         "out=login *=404 trainee=400 evaluator,coordinator,quality=403"),
    "survey:thanks": Row("out=login *=404 trainee=redirect evaluator,coordinator,quality=403",
                         "out=login *=404 trainee=redirect evaluator,coordinator,quality=403"),
    "survey:results": Row("out=login *=403 quality=200", "out=login *=403 quality=200",
                          "read by a small group: the quality group, not the office"),
    "survey:results_csv": Row("out=login *=403 quality=200", "out=login *=403 quality=200"),
}


# --- enumerating the routes --------------------------------------------------------------------------


def all_routes() -> list[tuple[str, str]]:
    """(name, pattern) of every route the resolver knows, admin's included."""

    def walk(patterns, prefix, namespace):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                inner = ":".join(x for x in (namespace, entry.namespace) if x)
                yield from walk(entry.url_patterns, prefix + str(entry.pattern), inner)
            elif isinstance(entry, URLPattern):
                # An unnamed route is keyed by its pattern, e.g. the admin's catch-all "admin:<(?P<url>.*)$>".
                name = entry.name or f"<{prefix}{entry.pattern}>"
                yield (f"{namespace}:{name}" if namespace else name), prefix + str(entry.pattern)

    return list(walk(get_resolver().url_patterns, "", ""))


def test_every_route_has_a_policy_row():
    routes = all_routes()
    missing = sorted({name for name, _ in routes if policy_for(name) is None})
    assert not missing, "routes without a row in POLICY (decide who may open them): " + ", ".join(missing)
    stale = sorted(set(POLICY) - {name for name, _ in routes})
    assert not stale, f"POLICY rows for routes that no longer exist: {stale}"
    for row in POLICY.values():
        parse_spec(row.get), parse_spec(row.post)


def policy_for(name: str) -> Row | None:
    if name in POLICY:
        return POLICY[name]
    if name.startswith("admin:"):
        return ADMIN_OPEN.get(name, ADMIN_ROW)
    return None


ADMIN_OPEN = {
    "admin:login": Row("*=200", "*=200", "the admin's own login form (nobody here is staff, so it stays there)"),
    "admin:logout": Row("*=redirect", "*=redirect"),
}
ADMIN_ROW = Row("*=adminlogin", "*=adminlogin", "every admin page is behind admin_view: nobody here is staff")


# Whose responses are searched for the case's markers, and which marked fields each may legitimately see:
# (field prefix, route prefix the exception holds on, why). Everything else found is a leak.
MAY_SEE = {
    "coordinator": [
        ("proposal.", "", "practice-day proposals and their notes: the office follows and moves the date"),
        ("minicex.", "minicex:", "seed 004: only the coordinator (controller) amends a locked mini-CEX, so reads it; "
                                 "never on the Mitt-i-ST case pages"),
    ],
    "quality": [
        ("report.", "", "the quality group reads the report (domain.md, step 7)"),
        ("review.", "", "and writes the review"),
        ("B.question_", "reports:", "the report answers the trainee's three questions and quotes them"),
    ],
    "share_link": [
        ("report.", "reports:", "the reader the trainee shared the report with"),
        ("B.question_", "reports:", "the report quotes the trainee's three questions"),
    ],
    "supervisor_link": [("F.", "portfolio:", "the supervisor's own statement")],
    # Everyone else outside the case sees none of it, anywhere.
    "anon": [], "other_trainee": [], "bt": [], "other_evaluator": [],
}


def leaked(identity: str, route: str, fields: list[str]) -> list[str]:
    allowed = MAY_SEE[identity]
    return [f for f in fields if not any(f.startswith(field) and route.startswith(prefix)
                                         for field, prefix, _why in allowed)]


def body_text(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if content.startswith(b"%PDF"):
        import subprocess

        text = subprocess.run(["pdftotext", "-", "-"], input=content, capture_output=True, check=True).stdout
        return "".join(text.decode("utf-8", "replace").split())  # a wrapped line must not hide a marker
    return content.decode("utf-8", "replace")


def test_permission_matrix(make_case, make_user, trainee, other_trainee, evaluator, other_evaluator, coordinator,
                           quality):
    world = build_world(make_case=make_case, make_user=make_user, trainee=trainee, other_trainee=other_trainee,
                        evaluator=evaluator, other_evaluator=other_evaluator, coordinator=coordinator,
                        quality=quality)
    args = route_arguments(world)
    checks, wrong, leaks = 0, [], []
    with time_machine.travel(world.moment, tick=True), quiet_request_log():
        for name, pattern in all_routes():
            row = policy_for(name)
            url = build_url(pattern, args, name)
            for method, spec in (("get", row.get), ("post", row.post)):
                expected = parse_spec(spec)
                for identity in identities_for(name):
                    got, response = request_status(world, identity, method, url)
                    checks += 1
                    if got != expected[identity]:
                        wrong.append(f"{method.upper()} {name} as {identity}: expected {expected[identity]}, got {got}")
                    if identity in MAY_SEE:
                        checks += 1
                        found = leaked(identity, name, world.markers.found_in(body_text(response)))
                        if found:
                            leaks.append(f"{method.upper()} {name} shows {identity} {found}")
    print(f"\npermission matrix: {checks} checks (statuses and marker searches) over {len(all_routes())} routes, "
          f"{len(IDENTITIES)} identities, GET and POST")
    assert not wrong + leaks, "\n".join(wrong + leaks)


# Admin pages (some 150, generated per model) all sit behind admin_view, which asks one thing: is_staff. One
# identity of each kind is enough there; the admin's index and login are tried with every identity.
ADMIN_SAMPLE = ("anon", "trainee", "evaluator", "coordinator", "quality", "share_link")


def identities_for(name: str) -> tuple[str, ...]:
    if name.startswith("admin:") and name not in ("admin:index", "admin:login"):
        return ADMIN_SAMPLE
    return IDENTITIES


class quiet_request_log:
    """Thousands of expected 4xx answers would flood the output with Django's request and security warnings
    (a 500 still fails the test: it is asserted, not logged)."""

    NAMES = ("django.request", "django.security")

    def __enter__(self):
        import logging

        self.loggers = [logging.getLogger(name) for name in self.NAMES]
        self.levels = [logger.level for logger in self.loggers]
        for logger in self.loggers:
            logger.setLevel(logging.CRITICAL + 10)

    def __exit__(self, *exc):
        for logger, level in zip(self.loggers, self.levels, strict=True):
            logger.setLevel(level)


def request_status(world, identity, method, url):
    client = world.client(identity)
    cookies = copy.deepcopy(client.cookies)  # a logout or a new session must not follow into the next check
    with transaction.atomic():
        response = getattr(client, method)(url)
        transaction.set_rollback(True)
    client.cookies = cookies
    status = response.status_code
    if status == 302:
        location = response["Location"]
        status = "login" if location.startswith("/konto/logga-in/") else (
            "adminlogin" if location.startswith("/admin/login/") else "redirect")
    return status, response


def route_arguments(world) -> dict:
    from evaluations.reports.models import ReportShare
    from mittist.outbox.models import Message
    from portfolio.models import Document, Recording
    from scheduling.models import PracticeDayProposal, ProgrammeItem

    case = world.case
    trainee = world.users["trainee"]
    return {
        "case_id": case.pk,
        "evaluator_id": case.evaluator_id,
        "verb": "withdraw",
        "proposal_id": PracticeDayProposal.objects.filter(case=case).latest("proposed_at").pk,
        "link_id": world.supervisor_link().pk,
        "kind": "education_plan",
        "document_id": Document.objects.get(case=case, kind="education_plan").pk,
        "recording_id": Recording.objects.filter(case=case).first().pk,
        "item_id": ProgrammeItem.objects.filter(programme__case=case, kind="sitting_in").get().pk,
        "form_id": world.full.minicex_id,
        "user_id": trainee.pk,
        "share_id": ReportShare.objects.filter(report__case=case).get().pk,
        "uidb64": urlsafe_base64_encode(force_bytes(trainee.pk)),
        "token": default_token_generator.make_token(trainee),
        # per route
        "portfolio:section": {"code": "B"},
        "portfolio:section_autosave": {"code": "B"},
        "certificates:verify_code": {"code": world.full.certificate_code},
        "portfolio:supervisor_landing": {"token": world.supervisor_token},
        "reports:shared_landing": {"token": world.full.share_token},
        "minicex:assess_link": {"token": world.bt_token, "form_id": world.bt_form.pk},
        "evaluations:register_confirm": {"token": world.registration_token},
        "registration_id": world.flagged_registration.pk,
        "message_id": Message.objects.filter(case_id=case.pk).latest("created_at").pk,
    }


PARAM = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")


def build_url(pattern: str, args: dict, name: str) -> str:
    own = args.get(name, {})

    def fill(match):
        key = match.group("name")
        value = own.get(key, args.get(key))
        if value is None:
            # A new route's argument must point at the world's objects (route_arguments), or its row would be
            # checked against a random id. The admin's are all refused before any lookup.
            assert name.startswith("admin:"), f"{name}: no value for <{key}>: add it to route_arguments()"
            value = uuid.uuid4() if match.group("converter") == "uuid" else "1"
        return str(value)

    path = PARAM.sub(fill, pattern).replace("^", "").replace("$", "")
    return "/" + path
