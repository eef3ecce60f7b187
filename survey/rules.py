"""Who may answer the survey and who reads the answers. Predicates about a case take the case.

The trainee answers once, for their own case, while it rests in "certified" (answering closes it). The
quality group reads the answers, all together and never one case's. The office sees only whether a case's
survey was answered (the case records that much) and may close a case whose survey time is up.
"""

import rules

from evaluations.models import Evaluation
from evaluations.rules import is_case_trainee
from mittist.accounts.rules import is_coordinator, is_quality_reviewer, is_trainee


@rules.predicate
def survey_open(user, case):
    return case is not None and case.state == Evaluation.State.CERTIFIED and not case.survey_answered


@rules.predicate
def survey_answered(user, case):
    return case is not None and case.survey_answered


@rules.predicate
def survey_stage_reached(user, case):
    return case is not None and (case.certified_at is not None or case.survey_answered)


case_trainee = is_trainee & is_case_trainee

rules.add_perm("survey.take_part", case_trainee)
rules.add_perm("survey.answer", case_trainee & survey_open)
rules.add_perm("survey.see_thanks", case_trainee & survey_answered)
# The card on the case page: the trainee's own, and the office's (it explains closing without the survey).
rules.add_perm("survey.see_status", (case_trainee | is_coordinator) & survey_stage_reached)
rules.add_perm("survey.view_results", is_quality_reviewer)
