"""The admin reads certificates; issuing and revoking go through the case page (audit row, e-mail)."""

import pytest
from django.urls import reverse

from mittist.accounts.models import Role


@pytest.fixture
def admin_user(make_user):
    return make_user(Role.COORDINATOR, is_staff=True, is_superuser=True)


def test_the_list_and_the_page_show_the_certificate_in_swedish(client, admin_user, certificate):
    client.force_login(admin_user)
    listing = client.get(reverse("admin:certificates_certificate_changelist"))
    assert listing.status_code == 200
    assert certificate.code in listing.content.decode()
    page = client.get(reverse("admin:certificates_certificate_change", args=[certificate.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    for label in ("Kontrollkod", "Utfärdat av", "Återkallat av", "Skäl till återkallelse", "Praktikdag"):
        assert label in text
    assert 'name="_save"' not in text  # nothing to save: read only


def test_nothing_can_be_added_changed_or_deleted(client, admin_user, certificate):
    client.force_login(admin_user)
    assert client.get(reverse("admin:certificates_certificate_add")).status_code == 403
    assert client.get(reverse("admin:certificates_certificate_delete", args=[certificate.pk])).status_code == 403
    response = client.post(reverse("admin:certificates_certificate_change", args=[certificate.pk]),
                           {"trainee_name": "Någon Annan"})
    assert response.status_code == 403
    certificate.refresh_from_db()
    assert certificate.trainee_name != "Någon Annan"
