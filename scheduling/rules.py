"""Who may do what with the practice day beyond the core's permissions."""

import rules

from mittist.accounts.rules import is_coordinator

# Trainee and evaluator move an agreed day by proposing and confirming, like the first time; the office
# may set it directly (with a reason), e.g. when one side is unreachable.
rules.add_perm("scheduling.set_practice_day", is_coordinator)
