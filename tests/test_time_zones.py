"""Times in each user's time zone: a user sets theirs on Preferences (an admin on the user's page),
every page then shows date-times converted to it, and the API keeps answering in UTC."""
import html
import re
from datetime import date, datetime, timezone

from sqlalchemy import update

from erp_core import services
from erp_core.database import db
from erp_core.models import User
from erp_core.testing import activity_of, log_in
from erp_core.zones import local_time

LOGIN_AT = datetime(2026, 1, 15, 23, 30, tzinfo=timezone.utc)  # already the next day in Tokyo, still the 15th in New York


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def user_named(username: str) -> User:
    db.session.expire_all()
    return db.session.scalar(db.select(User).where(User.username == username))


def last_login_shown(client, user: User) -> str:
    """The "Last login" of ``user`` as the admin's page shows it."""
    page = text(client.get(f"/settings/users/{user.id}"))
    return re.sub(r"<[^>]+>", "", re.search(r"<dt>Last login</dt><dd>(.*?)</dd>", page, re.S).group(1)).strip()


def set_last_login(username: str) -> User:
    db.session.execute(update(User).where(User.username == username).values(last_login_at=LOGIN_AT))
    db.session.commit()
    return user_named(username)


def test_a_new_user_sees_utc_and_their_own_zone_once_chosen(client):
    log_in(client, "admin")
    me = set_last_login("admin_web")
    assert me.time_zone == "UTC"
    assert last_login_shown(client, me) == "2026-01-15 23:30 UTC"

    page = text(client.get("/preferences"))
    assert '<option selected value="UTC">UTC</option>' in page and "Asia/Tokyo" in page
    response = client.post("/preferences", data={"time_zone": "Asia/Tokyo"})
    assert response.status_code == 302
    assert "Your time zone is now Asia/Tokyo." in text(client.get(response.location))
    assert last_login_shown(client, me) == "2026-01-16 08:30 JST"
    # The machine-readable time stays UTC; the API answers in UTC, whatever the zone.
    assert f'<time datetime="{LOGIN_AT.isoformat()}">' in text(client.get(f"/settings/users/{me.id}"))
    when, who, what = activity_of(text(client.get(f"/settings/users/{me.id}")))[0]
    assert (who, what) == ("admin_web", "Time zone changed from UTC to Asia/Tokyo") and when.endswith(" JST")


def test_the_api_answers_in_utc_for_a_user_with_a_zone(api):
    api.get("/users")  # creates admin_user with its token
    db.session.execute(update(User).where(User.username == "admin_user").values(time_zone="America/New_York"))
    db.session.commit()
    set_last_login("admin_user")
    listed = {u["username"]: u for u in api.get("/users").get_json()["items"]}
    assert datetime.fromisoformat(listed["admin_user"]["last_login_at"].replace("Z", "+00:00")) == LOGIN_AT
    assert listed["admin_user"]["last_login_at"].startswith("2026-01-15T23:30:00")


def test_an_unknown_zone_is_refused_with_what_to_type(client):
    log_in(client, "warehouse")
    response = client.post("/preferences", data={"time_zone": "Mars/Olympus_Mons"})
    assert response.status_code == 422
    page = text(response)
    assert "'Mars/Olympus_Mons' is not a time zone name; use an IANA name such as Europe/Paris" in page
    assert user_named("warehouse_web").time_zone == "UTC"
    assert client.post("/preferences", data={"time_zone": "../../etc/passwd"}).status_code == 422
    assert user_named("warehouse_web").time_zone == "UTC"


def test_an_admin_sets_another_users_zone_and_it_shows_on_their_pages(client, app):
    dora = services.create_user("dora", "warehouse", "password-123")
    db.session.commit()
    log_in(client, "admin")
    response = client.post(f"/settings/users/{dora.id}/time_zone", data={"time_zone": "Europe/Paris"})
    assert response.status_code == 302
    assert "dora now sees times in Europe/Paris." in text(client.get(response.location))
    assert user_named("dora").time_zone == "Europe/Paris"
    refused = client.post(f"/settings/users/{dora.id}/time_zone", data={"time_zone": "Paris"})
    assert refused.status_code == 422 and "'Paris' is not a time zone name" in text(refused)
    assert user_named("dora").time_zone == "Europe/Paris"
    # Only admins may set another user's zone.
    other = app.test_client()
    log_in(other, "warehouse")
    assert other.post(f"/settings/users/{dora.id}/time_zone", data={"time_zone": "UTC"}).status_code == 403


def test_a_date_is_the_same_day_in_every_zone_and_a_time_is_converted(app):
    with app.test_request_context():  # nobody logged in: UTC
        assert local_time(LOGIN_AT) == "2026-01-15 23:30 UTC"
        assert local_time(date(2026, 1, 15)) == local_time(date(2026, 1, 15), "%Y-%m-%d") == "2026-01-15"
        assert local_time(None) == ""
