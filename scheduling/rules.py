"""Who may do what with the practice day beyond the core's permissions."""

import rules

from evaluations.rules import is_case_evaluator, is_case_trainee
from mittist.accounts.rules import is_coordinator, is_evaluator, is_trainee

# Trainee and evaluator move an agreed day by proposing and confirming, like the first time; the office
# may set it directly (with a reason), e.g. when one side is unreachable.
rules.add_perm("scheduling.set_practice_day", is_coordinator)

# The practice day's programme: the case's own trainee and evaluator build it together, the office (or an
# administrator) follows it. An administrator does not build it: ask "edit_programme" with rules.has_perm
# (which, unlike user.has_perm, gives a superuser nothing for free).
case_party = (is_trainee & is_case_trainee) | (is_evaluator & is_case_evaluator)
rules.add_perm("scheduling.edit_programme", case_party)
rules.add_perm("scheduling.read_programme", case_party | is_coordinator)
