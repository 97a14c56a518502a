"""Admin team membership: a searchable checklist with counts; a warning when a trainee is left in no team."""

from __future__ import annotations

from quizapp.models import Role


def test_team_form_is_a_checklist_with_counts(client, login_as, make_user, make_team):
    login_as(Role.ADMIN)
    team = make_team("North")
    make_user(Role.TRAINEE, name="Tia Member", teams=[team])
    make_user(Role.TRAINEE, name="Una Outside")
    html = client.get(f"/admin/teams/{team.id}/edit").get_data(as_text=True)
    assert "<select" not in html and 'type="checkbox" name="members"' in html
    assert ">0 of 1 selected<" in html  # managers: the admin is the only one who could be
    assert ">1 of 3 selected<" in html  # members: Tia of the admin, Tia and Una
    assert "data-checklist-search hidden" in html and "js/checklist.js" in html


def test_removing_a_trainees_last_team_warns(client, login_as, make_user, make_team, db):
    login_as(Role.ADMIN)
    team = make_team("North")
    tia = make_user(Role.TRAINEE, name="Tia Member", teams=[team])
    response = client.post(f"/admin/teams/{team.id}/edit", data={"name": "North"}, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Tia Member: in no team now, so no manager sees this trainee." in html
    db.expire_all()
    assert db.get(type(tia), tia.id).teams == []


def test_saving_a_trainee_without_team_warns(client, login_as, make_user):
    login_as(Role.ADMIN)
    tia = make_user(Role.TRAINEE, name="Tia Alone")
    response = client.post(
        f"/admin/users/{tia.id}/edit",
        data={"name": "Tia Alone", "email": tia.email, "role": "trainee", "active": "y"},
        follow_redirects=True,
    )
    assert "Tia Alone: in no team now" in response.get_data(as_text=True)


def test_no_warning_when_the_trainee_keeps_a_team(client, login_as, make_user, make_team):
    login_as(Role.ADMIN)
    north, south = make_team("North"), make_team("South")
    tia = make_user(Role.TRAINEE, name="Tia Both", teams=[north, south])
    response = client.post(f"/admin/teams/{north.id}/edit", data={"name": "North"}, follow_redirects=True)
    assert "in no team now" not in response.get_data(as_text=True)
    assert tia.id


def test_team_names_are_unique_whatever_their_case_and_spaces(db, make_team):
    """One rule (users.team_named) for creating, renaming and the CLI's find-or-create."""
    import pytest

    from quizapp.cli.users import find_or_create_team
    from quizapp.services import ServiceError
    from quizapp.services import users as users_service

    north, south = make_team("North clinic"), make_team("South clinic")
    assert users_service.team_named(db, "  NORTH Clinic ") is north
    with pytest.raises(ServiceError):
        users_service.create_team(db, " north CLINIC")
    with pytest.raises(ServiceError):
        users_service.update_team(db, south, name="North Clinic", managers=[], members=[], actor=None)
    renamed = users_service.update_team(db, north, name="north clinic", managers=[], members=[], actor=None)
    assert renamed.name == "north clinic"  # its own name in another case is no clash
    assert find_or_create_team(db, " NORTH CLINIC ") is north
    assert find_or_create_team(db, "East clinic").name == "East clinic"
