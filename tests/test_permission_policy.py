"""One permission policy: who may do what is decided by the `rules` predicates, and nowhere else.

- Every permission is added in a `rules.py` module, and every permission the code or a template asks for is
  registered (a misspelt name would quietly answer "no").
- Outside the rules modules and the accounts package (which defines the roles, the role predicates, the
  one role decorator and the home-page router) no module compares a user's role, nor a case's or a form's
  trainee, evaluator, assessor or creator with a user: it asks the predicate (`user.has_perm`,
  `rules.has_perm` where a superuser must not pass for free, or the predicate itself).
- The querysets that restate a view permission as a query (`Evaluation.objects.visible_to`,
  `MiniCex.objects.visible_to`) give exactly the objects the permission lets each kind of user see.
"""

import ast
import re
from pathlib import Path

import rules
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser

from evaluations.minicex.models import MiniCex
from evaluations.models import Evaluation
from mittist.accounts.models import Role
from tests.world import build_world

ROOT = Path(settings.BASE_DIR)
PACKAGES = ("evaluations", "portfolio", "scheduling", "survey", "mittist")
ACCOUNTS = ROOT / "mittist" / "accounts"
ROLE_VALUES = {role.value for role in Role}
# The fields naming a party of a case, a form or a review: compared with a user's pk, they decide "is this theirs".
PARTY_IDS = {"trainee_id", "evaluator_id", "user_id", "assessor_user_id", "created_by_id", "reviewer_id"}

# Where a role is legitimately compared outside the rules, and why. Keep this short.
ALLOWED = {
    # Which demo accounts to create as superusers: data, not a permission.
    ("evaluations/management/commands/seed_demo.py", "role == Role.ADMIN"),
    # The audience of a reminder kind ("trainee", "evaluator", "office", "supervisor"): whom to mail, not
    # a user's role.
    ("scheduling/services/reminders.py", "role == 'trainee'"),
    ("scheduling/services/reminders.py", "role == 'evaluator'"),
    ("scheduling/services/reminders.py", "role == 'office'"),
    ("scheduling/services/reminders.py", "role == 'supervisor'"),
    ("scheduling/services/reminders.py", "each == role"),
}


def policy_python_files():
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts or "tests" in path.parts or path.name == "rules.py":
                continue
            if ACCOUNTS in path.parents:
                continue
            yield path


def _dotted(node) -> str:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    return ".".join(reversed(parts))


def _is_role(node) -> bool:
    """A user's role (`x.role`, or a variable named role) or a Role member or role string."""
    name = _dotted(node)
    if name == "role" or name.endswith(".role") or name.startswith("Role."):
        return True
    return isinstance(node, ast.Constant) and node.value in ROLE_VALUES


def _is_role_collection(node) -> bool:
    return isinstance(node, (ast.Tuple, ast.List, ast.Set)) and any(_is_role(e) for e in node.elts)


def decisions_outside_rules(path: Path, root: Path = ROOT) -> list[str]:
    """Role comparisons and party-id-against-user comparisons in one file, as 'file:line code'."""
    found = []
    relative = str(path.relative_to(root))
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        offence = None
        if isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            names = [_dotted(side) for side in sides]
            role_sides = [side for side in sides if _is_role(side) or _is_role_collection(side)]
            if len(role_sides) == len(sides) or any(n == "role" or n.endswith(".role") for n in names):
                offence = node
            elif any(n.rsplit(".", 1)[-1] in PARTY_IDS for n in names) and any(
                n.endswith(".pk") or n.endswith(".id") for n in names
            ):
                offence = node
        elif isinstance(node, ast.Call) and _dotted(node.func).endswith("role_required"):
            if any(isinstance(arg, ast.Constant) for arg in node.args):
                offence = node  # the decorator takes Role members, not strings
        if offence is not None:
            code = ast.unparse(offence)
            if (relative, code) not in ALLOWED:
                found.append(f"{relative}:{offence.lineno} {code}")
    return found


def test_no_module_outside_the_rules_decides_who_someone_is():
    offenders = [found for path in policy_python_files() for found in decisions_outside_rules(path)]
    assert offenders == []


def test_every_allowed_exception_still_exists():
    """An allow-list entry whose code is gone would silently allow the next one written the same way."""
    seen = set()
    for relative, _code in ALLOWED:
        tree = ast.parse((ROOT / relative).read_text())
        seen |= {(relative, ast.unparse(n)) for n in ast.walk(tree) if isinstance(n, ast.Compare)}
    assert ALLOWED <= seen


def test_the_scan_would_see_each_kind_of_decision(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text(
        "if user.role == 'coordinator': pass\n"
        "if request.user.role != Role.TRAINEE: pass\n"
        "if by.role in (Role.TRAINEE, Role.EVALUATOR): pass\n"
        "if role == Role.QUALITY: pass\n"
        "mine = case.trainee_id == request.user.pk\n"
        "theirs = case.evaluator.user_id != by.pk\n"
        "assessor = user.pk == form.assessor_user_id\n"
        "@role_required('coordinator')\ndef view(request): pass\n"
        # Not decisions about a user: two fields of the same case, a section's author, a Role's value.
        "same = form.created_by_id != form.trainee_id\n"
        "text = definition.written_by == 'trainee'\n"
        "@role_required(Role.COORDINATOR)\ndef other(request): pass\n"
    )
    found = [line.split(" ", 1)[0].rsplit(":", 1)[1] for line in decisions_outside_rules(probe, tmp_path)]
    assert found == ["1", "2", "3", "4", "5", "6", "7", "8"]


# --- the permissions registry -----------------------------------------------------------------------------


def registered_permissions() -> set[str]:
    return set(rules.permissions.permissions)


def test_permissions_are_added_only_in_rules_modules():
    offenders = []
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if path.name == "rules.py" or "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Call) and _dotted(node.func).rsplit(".", 1)[-1] in {"add_perm", "set_perm"}:
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []


ASKED = re.compile(r"""(?:has_perm\(\s*|has_perm\s+|permission=|test_rule\(\s*)["']([a-z_]+\.[a-z_]+)["']""")


def asked_permissions() -> dict[str, str]:
    """Every permission named in a has_perm (Python or template tag) or a transition's permission=."""
    asked = {}
    for package in (*PACKAGES, "templates"):
        for path in (ROOT / package).rglob("*"):
            if path.suffix not in {".py", ".html", ".txt"} or "migrations" in path.parts:
                continue
            for name in ASKED.findall(path.read_text()):
                asked.setdefault(name, str(path.relative_to(ROOT)))
    return asked


def test_every_permission_asked_for_is_registered():
    asked = asked_permissions()
    assert len(asked) > 40  # the search finds them (it would otherwise pass on nothing)
    missing = {name: where for name, where in asked.items() if name not in registered_permissions()}
    assert missing == {}


# Permissions asked other than by name, and how.
ASKED_OTHERWISE = {
    # As a query: Evaluation.objects.visible_to (compared with the permission below).
    "evaluations.view_case",
    # Its predicate is called directly at login (mittist/accounts/middleware.py), before any object.
    "accounts.second_factor_required",
}


def test_every_registered_permission_is_asked_somewhere():
    """A permission nobody asks is a rule that decides nothing (or a decision made elsewhere)."""
    unused = registered_permissions() - set(asked_permissions()) - ASKED_OTHERWISE
    assert unused == set()


# --- the querysets that restate a permission -----------------------------------------------------------------


def _identities(world, make_user):
    users = dict(world.users)
    users["anon"] = AnonymousUser()
    users["supervisor_account"] = make_user(Role.SUPERVISOR, full_name="Sam Handledare")
    users["admin_role"] = make_user(Role.ADMIN, full_name="Ada Admin")
    users["superuser"] = get_user_model().objects.create_superuser(
        email="super@example.org", password="x-Secret-1234", full_name="Sune Super"
    )
    return users


def _cases_in_every_state(make_case, world):
    """Besides the world's two cases, one case in each state (the evaluator's or the other one's), so that
    the quality group's states and the evaluator's cases are both tried."""
    evaluators = [world.case.evaluator, world.other_case.evaluator]
    for i, state in enumerate(Evaluation.State):
        case = make_case(Evaluation.State.REGISTERED, accepted=False)
        Evaluation.objects.filter(pk=case.pk).update(state=state, evaluator=evaluators[i % 2])


def test_visible_cases_are_the_cases_the_view_permission_allows(make_case, make_user, trainee, other_trainee,
                                                                evaluator, other_evaluator, coordinator, quality):
    world = build_world(make_case=make_case, make_user=make_user, trainee=trainee, other_trainee=other_trainee,
                        evaluator=evaluator, other_evaluator=other_evaluator, coordinator=coordinator,
                        quality=quality)
    _cases_in_every_state(make_case, world)
    cases = list(Evaluation.objects.with_related())
    forms = list(MiniCex.objects.all())
    assert len(cases) > len(Evaluation.State) and len(forms) >= 2
    differences = []
    for identity, user in _identities(world, make_user).items():
        visible = set(Evaluation.objects.visible_to(user).values_list("pk", flat=True))
        allowed = {case.pk for case in cases if user.has_perm("evaluations.view_case", case)}
        if visible != allowed:
            differences.append(f"cases {identity}: only the query {visible - allowed}, only the rule {allowed - visible}")
        visible_forms = set(MiniCex.objects.visible_to(user).values_list("pk", flat=True))
        allowed_forms = {form.pk for form in forms if user.has_perm("minicex.view_form", form)}
        if visible_forms != allowed_forms:
            differences.append(f"mini-CEX {identity}: only the query {visible_forms - allowed_forms}, "
                               f"only the rule {allowed_forms - visible_forms}")
    assert differences == []
    # Not everyone sees everything (the comparison would otherwise prove little).
    trainee_cases = set(Evaluation.objects.visible_to(trainee).values_list("pk", flat=True))
    quality_cases = set(Evaluation.objects.visible_to(quality).values_list("pk", flat=True))
    assert trainee_cases == {world.case.pk}
    assert 0 < len(quality_cases) < len(cases)
