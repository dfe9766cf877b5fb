"""Who sees what: role checks answer 403, records outside one's scope answer 404."""

from __future__ import annotations

import pytest

from tests.foundation.helpers import (
    BEIJING_LICENCE,
    JIANGSU_LICENCE,
    licence_id,
    make_licence,
    make_organisation,
    text_of,
)

ADMIN_PAGES = ["/admin/users", "/admin/users/new", "/admin/organisations/",
               "/admin/organisations/new", "/production/licences/new"]
OTHER_MAKER_LICENCE = "苏药监械生产许20220002号"


@pytest.fixture
def second_maker_licence(demo):  # type: ignore[no-untyped-def]
    """Another Jiangsu manufacturer with its own licence."""
    org = make_organisation(name="无锡第二医疗器械有限公司", first17="91320200MA0000002",
                            province="32", manufacturer=True)
    return make_licence(number=OTHER_MAKER_LICENCE, organisation_id=org.id)


@pytest.mark.parametrize("account", ["holder", "holder.bj", "manufacturer", "reviewer",
                                     "approver", "reviewer.js"])
@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_admin_page_as_non_admin_answers_403(login_as, account, path):
    response = login_as(account).get(path)
    assert response.status_code == 403
    assert "Your role does not allow this action." in text_of(response)


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_admin_page_as_admin_answers_200(login_as, path):
    assert login_as("admin").get(path).status_code == 200


def test_admin_user_detail_as_holder_answers_403(login_as, demo):
    response = login_as("holder").get(f"/admin/users/{demo.user('admin').id}")
    assert response.status_code == 403


def test_licence_of_other_manufacturer_as_manufacturer_answers_404(login_as, demo,
                                                                   second_maker_licence):
    client = login_as("manufacturer")
    assert client.get(f"/production/licences/{second_maker_licence.id}").status_code == 404
    own = client.get(f"/production/licences/{licence_id(JIANGSU_LICENCE)}")
    assert own.status_code == 200
    assert JIANGSU_LICENCE in own.get_data(as_text=True)
    listing = client.get("/production/licences").get_data(as_text=True)
    assert JIANGSU_LICENCE in listing
    assert OTHER_MAKER_LICENCE not in listing
    assert BEIJING_LICENCE not in listing


def test_licence_of_own_province_as_reviewer_is_visible(login_as, demo, second_maker_licence):
    client = login_as("reviewer.js")
    for number in (JIANGSU_LICENCE, OTHER_MAKER_LICENCE):
        page = client.get(f"/production/licences/{licence_id(number)}")
        assert page.status_code == 200
        assert number in page.get_data(as_text=True)
    listing = client.get("/production/licences").get_data(as_text=True)
    assert JIANGSU_LICENCE in listing
    assert OTHER_MAKER_LICENCE in listing
    assert BEIJING_LICENCE not in listing


def test_licence_of_other_province_as_reviewer_answers_404(login_as, demo):
    client = login_as("reviewer.js")
    assert client.get(f"/production/licences/{licence_id(BEIJING_LICENCE)}").status_code == 404


def test_licence_outside_jurisdiction_as_hebei_reviewer_answers_404(login_as, demo):
    client = login_as("reviewer")
    for number in (JIANGSU_LICENCE, BEIJING_LICENCE):
        assert client.get(f"/production/licences/{licence_id(number)}").status_code == 404


def test_licence_of_other_company_as_holder_answers_404(login_as, demo):
    client = login_as("holder")  # Hebei holder: no licence of its own
    for number in (JIANGSU_LICENCE, BEIJING_LICENCE):
        assert client.get(f"/production/licences/{licence_id(number)}").status_code == 404


def test_licence_of_own_company_as_holder_manufacturer_is_visible(login_as, demo):
    client = login_as("holder.bj")
    assert client.get(f"/production/licences/{licence_id(BEIJING_LICENCE)}").status_code == 200
    assert client.get(f"/production/licences/{licence_id(JIANGSU_LICENCE)}").status_code == 404


def test_licence_any_as_admin_is_visible(login_as, demo, second_maker_licence):
    client = login_as("admin")
    listing = client.get("/production/licences").get_data(as_text=True)
    for number in (JIANGSU_LICENCE, BEIJING_LICENCE, OTHER_MAKER_LICENCE):
        assert number in listing
        page = client.get(f"/production/licences/{licence_id(number)}")
        assert page.status_code == 200
        assert number in page.get_data(as_text=True)


def test_licence_unknown_id_answers_404(login_as, demo):
    assert login_as("admin").get("/production/licences/999999").status_code == 404


def test_licence_edit_as_reviewer_answers_403(login_as, demo):
    client = login_as("reviewer.js")
    response = client.get(f"/production/licences/{licence_id(JIANGSU_LICENCE)}/edit")
    assert response.status_code == 403
