"""Analytics on questions with known timings: figures, scope, JSON, CSV and charts."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from questions.analytics import percentile
from questions.services import accept_answer
from stream.comments import add_comment


def at(day: int, hour: int) -> datetime:
    return datetime(2026, 11, day, hour, tzinfo=UTC)


@pytest.fixture
def history(people, ask, clock):
    """q1 in "it": answered after 2 h, accepted after 5 h; q2 company-wide: answered
    after 10 h; q3 in the private "sec": no answer yet."""
    clock.set(at(16, 9))
    q1 = ask(people.ben, "VPN drops every hour", group=people.it, tags=["vpn"])
    clock.set(at(16, 10))
    add_comment(people.ben, q1, "Only on Wi-Fi.")  # the asker's note is no answer
    clock.set(at(16, 11))
    a1 = add_comment(people.dana, q1, "Update the client.")
    clock.set(at(16, 14))
    accept_answer(people.ben, q1.id, a1.id)
    clock.set(at(17, 9))
    q2 = ask(people.carla, "=HYPERLINK(\"x\") printer and VPN", tags=["vpn", "printer"])
    clock.set(at(17, 19))
    add_comment(people.eve, q2, "Printer queue is full.")
    clock.set(at(23, 9))
    q3 = ask(people.ben, "Security VPN audit", group=people.sec, tags=["vpn"])
    clock.set(at(24, 9))
    return q1, q2, q3


def test_percentiles_use_the_nearest_rank():
    assert percentile([], 0.5) is None
    assert percentile([2.0, 10.0], 0.5) == 2.0
    assert percentile([2.0, 10.0], 0.9) == 10.0
    assert percentile(list(range(1, 11)), 0.9) == 9


def test_an_admin_sees_every_question_with_its_timings(api, people, history):
    data = api.as_user(people.root).get("/questions/analytics").json
    overall = data["overall"]
    assert overall["asked"] == 3 and overall["answered"] == 2 and overall["accepted"] == 1
    assert overall["answered_pct"] == 66.7 and overall["accepted_pct"] == 33.3
    assert overall["median_hours_to_answer"] == 2.0 and overall["p90_hours_to_answer"] == 10.0
    assert overall["median_hours_to_accept"] == 5.0

    tags = {row["tag"]: row for row in data["by_tag"]}
    assert tags["vpn"]["asked"] == 3 and tags["printer"]["asked"] == 1
    assert tags["printer"]["median_hours_to_answer"] == 10.0
    groups = {row["group"]: row["asked"] for row in data["by_group"]}
    assert groups == {"it": 1, None: 1, "sec": 1}
    assert [(w["week"], w["asked"]) for w in data["by_week"]] == [("2026-11-16", 2),
                                                                  ("2026-11-23", 1)]
    assert data["top_answerers"] == [
        {"username": "dana", "display_name": "Dana Delta", "answers": 1, "accepted": 1},
        {"username": "eve", "display_name": "Eve Epsilon", "answers": 1, "accepted": 0}]


def test_a_group_owner_sees_only_the_questions_of_their_groups(api, people, history):
    data = api.as_user(people.olga).get("/questions/analytics").json
    assert data["overall"]["asked"] == 2
    assert {row["group"] for row in data["by_group"]} == {"it", "sec"}
    narrowed = api.get("/questions/analytics?group=it").json
    assert narrowed["overall"]["asked"] == 1
    assert api.get("/questions/analytics?weeks=abc").status_code == 400


def test_others_may_not_see_analytics(api, client, auth, people, history):
    assert api.as_user(people.ben).get("/questions/analytics").status_code == 403
    auth.login("ben")
    assert client.get("/questions/analytics").status_code == 403
    assert client.get("/questions/analytics.csv").status_code == 403
    assert client.get("/questions/analytics/chart/weekly.svg").status_code == 403
    assert "/questions/analytics" not in client.get("/questions").get_data(as_text=True)
    auth.logout()
    auth.login("olga")
    # an owner cannot narrow to a group she does not own
    from schwarm.groups.services import create_group

    create_group(people.carla, "other", "Other", "", "public")
    assert client.get("/questions/analytics?group=other").status_code == 404


def test_the_page_csv_and_charts(client, auth, people, history):
    q1, q2, _q3 = history
    auth.login("root")
    page = client.get("/questions/analytics").get_data(as_text=True)
    assert '<td class="asked">3</td>' in page and '<td class="median-answer">2.0 h</td>' in page
    assert 'src="/questions/analytics/chart/weekly.svg' in page

    csv = client.get("/questions/analytics.csv")
    assert csv.mimetype == "text/csv" and "attachment" in csv.headers["Content-Disposition"]
    lines = csv.get_data(as_text=True).splitlines()
    assert lines[0].startswith("id,title,group,tags,asked_at")
    assert lines[1].startswith(f"{q1.id},VPN drops every hour,it,vpn,2026-11-16T09:00:00Z,2.0,5.0")
    assert lines[2].startswith(f"{q2.id},\"'=HYPERLINK(")  # no formula in a spreadsheet

    svg = client.get("/questions/analytics/chart/tags.svg")
    assert svg.mimetype == "image/svg+xml"
    assert "default-src 'none'" in svg.headers["Content-Security-Policy"]
    body = svg.get_data(as_text=True)
    assert "<svg" in body and "<script" not in body and "#vpn" in body
    assert client.get("/questions/analytics/chart/other.svg").status_code == 404


def test_chart_labels_are_escaped(client, auth, people, ask):
    from schwarm.groups.services import create_group

    group = create_group(people.root, "evil", "<script>alert(1)</script>", "", "public")
    ask(people.root, "A question", group=group, tags=["vpn"])
    auth.login("root")
    body = client.get("/questions/analytics/chart/weekly.svg").get_data(as_text=True)
    assert "<script" not in body
    page = client.get("/questions/analytics").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
