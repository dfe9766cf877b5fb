"""The notices list (/supervision/notices): every notice a province received or wrote, paged,
filtered by direction and read receipt, searched by text or product; other provinces' notices
never appear (issue 11: every list pages, filters and searches on the server)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from devreg.arrangements.models import Arrangement, Notice
from devreg.audit.services import acting_as
from devreg.demo.loader import load_demo
from devreg.extensions import db
from tests.registrations.helpers import client_for, text_of


def _notices(count: int, arrangement: Arrangement, *, to: str, sender: str) -> None:
    now = datetime.now(UTC)
    db.session.add_all([Notice(province_code=to, from_province_code=sender,
                               arrangement_id=arrangement.id, kind="message",
                               body=f"第{i}号通报：抽检不合格", created_at=now)
                        for i in range(count)])
    db.session.commit()


def test_notice_list_pages_filters_and_stays_within_the_province(app):
    with acting_as(None, "test"):
        load_demo()
    db.session.commit()
    arrangement = db.session.scalars(select(Arrangement).where(
        Arrangement.holder_province_code == "13",
        Arrangement.site_province_code == "32")).first()
    assert arrangement is not None
    _notices(60, arrangement, to="13", sender="32")
    _notices(3, arrangement, to="32", sender="13")
    _notices(2, arrangement, to="11", sender="32")  # neither sent nor received by Hebei
    received = db.session.scalar(select(Notice.id).where(Notice.province_code == "13")
                                 .order_by(Notice.id.desc()).limit(1))
    db.session.get(Notice, received).read_at = datetime.now(UTC)
    db.session.commit()
    client = client_for(app, "reviewer")
    total = db.session.query(Notice).filter((Notice.province_code == "13")
                                            | (Notice.from_province_code == "13")).count()

    first = text_of(client.get("/supervision/notices"))
    assert f"of {total}" in first
    assert first.count('class="border-bottom py-2"') == 50
    second = text_of(client.get("/supervision/notices?page=2"))
    assert second.count('class="border-bottom py-2"') == total - 50

    sent = text_of(client.get("/supervision/notices?direction=sent"))
    assert sent.count('class="border-bottom py-2"') == db.session.query(Notice).filter(
        Notice.from_province_code == "13").count()
    unread = text_of(client.get("/supervision/notices?direction=received&read=read"))
    assert unread.count('class="border-bottom py-2"') == 1
    found = text_of(client.get("/supervision/notices?q=第7号"))
    assert found.count('class="border-bottom py-2"') == 1

    supervision = text_of(client.get("/supervision"))
    assert 'href="/supervision/notices"' in supervision


def test_notice_list_is_for_reviewers_only(app, demo):
    assert client_for(app, "holder").get("/supervision/notices").status_code == 403
