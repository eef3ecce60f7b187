from datetime import date

from evaluations import services
from mittist.accounts.personnummer import parse_personnummer
from tests.conftest import case_fields, fictional_pnr


def test_scratch(db):
    pnr = parse_personnummer(fictional_pnr(5), today=date.today())
    services.register_trainee(personnummer=pnr, password="x-very-long-pass-1", user_fields={"email": "a@example.org", "full_name": "A"}, case_fields=case_fields())
    try:
        services.register_trainee(personnummer=pnr, password="x-very-long-pass-1", user_fields={"email": "b@example.org", "full_name": "B"}, case_fields=case_fields())
    except Exception as e:
        print(type(e), getattr(e, "message_dict", e))
    raise AssertionError
