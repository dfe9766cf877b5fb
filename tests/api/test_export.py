"""The daily bulk export of the public registry: JSON Lines and CSV with SHA-256 checksums,
the same files all day, a new export the next day, old days pruned; the command for cron."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
from datetime import date, timedelta

import pytest

import devreg.api.public as public
from devreg.api import export
from devreg.storage import storage
from tests.registrations.helpers import certificate_for

DAY = date(2026, 7, 1)


@pytest.fixture
def today(monkeypatch):  # type: ignore[no-untyped-def]
    current = {"day": DAY}
    monkeypatch.setattr(public, "china_today", lambda: current["day"])
    return current


def test_the_export_lists_every_certificate_with_checksums(client, demo, today):
    a = certificate_for(demo, name="电子血压计 export", approved_on=date(2026, 3, 2))
    b = certificate_for(demo, holder="holder.bj", name="=HYPERLINK(\"x\") 体温计",
                        approved_on=date(2026, 3, 3))
    listing = client.get("/api/v1/exports/registry").get_json()
    assert listing["day"] == DAY.isoformat() and listing["count"] == 2
    files = {f["format"]: f for f in listing["files"]}
    jsonl = client.get(files["jsonl"]["url"])
    assert jsonl.status_code == 200 and jsonl.mimetype == "application/jsonl"
    body = jsonl.get_data()
    digest = hashlib.sha256(body).hexdigest()
    assert digest == files["jsonl"]["sha256"] == jsonl.headers["X-Checksum-SHA256"]
    assert jsonl.headers["Repr-Digest"] == (
        "sha-256=:" + base64.b64encode(hashlib.sha256(body).digest()).decode() + ":")
    assert len(body) == files["jsonl"]["size"]
    rows = [json.loads(line) for line in body.decode().splitlines()]
    assert [r["number"] for r in rows] == sorted([a.number, b.number])
    first = next(r for r in rows if r["number"] == a.number)
    assert first["valid_on_export_day"] is True
    assert first["periods"][0]["starts_on"] == "2026-03-02"
    assert next(r for r in rows if r["number"] == b.number)["device_name"].startswith("=")

    table = client.get(files["csv"]["url"])
    assert table.mimetype == "text/csv"
    assert hashlib.sha256(table.get_data()).hexdigest() == files["csv"]["sha256"]
    parsed = list(csv.DictReader(io.StringIO(table.get_data().decode("utf-8-sig"))))
    assert [r["number"] for r in parsed] == [r["number"] for r in rows]
    # a cell a spreadsheet would run as a formula is neutralised in the CSV only
    assert next(r for r in parsed if r["number"] == b.number)["device_name"].startswith("'=")
    assert next(r for r in parsed if r["number"] == a.number)["periods"] == (
        "2026-03-02..2031-03-01")

    sums = client.get("/api/v1/exports/registry.sha256").get_data(as_text=True)
    assert sums.splitlines() == [
        f"{files['jsonl']['sha256']}  registry-{DAY}.jsonl",
        f"{files['csv']['sha256']}  registry-{DAY}.csv"]


def test_one_export_a_day_then_a_new_one_and_old_days_pruned(client, demo, today):
    certificate_for(demo, name="血压计 one")
    first = client.get("/api/v1/exports/registry").get_json()
    certificate_for(demo, name="血压计 two")
    same_day = client.get("/api/v1/exports/registry").get_json()
    assert same_day == first and first["count"] == 1  # the day's snapshot
    today["day"] = DAY + timedelta(days=1)
    next_day = client.get("/api/v1/exports/registry").get_json()
    assert next_day["count"] == 2 and next_day["day"] == "2026-07-02"
    assert export.manifest(DAY) is not None
    today["day"] = DAY + timedelta(days=export.KEEP_DAYS)
    client.get("/api/v1/exports/registry")
    assert export.manifest(DAY) is None  # older than KEEP_DAYS: deleted
    assert export.manifest(DAY + timedelta(days=1)) is not None
    assert not [o for o in storage().list(f"{export.PREFIX}/{DAY.isoformat()}/")]


def test_the_command_builds_the_day_and_says_so_in_one_line(app, demo):
    certificate_for(demo, name="血压计 cli")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["api", "export-registry", "--day", "2026-07-03"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("registry export 2026-07-03: 1 certificates; jsonl ")
    assert len(result.output.strip().splitlines()) == 1
    assert export.manifest(date(2026, 7, 3))["count"] == 1
    bad = runner.invoke(args=["api", "export-registry", "--day", "July"])
    assert bad.exit_code != 0
    assert "is not a date" in bad.output and "Traceback" not in bad.output
