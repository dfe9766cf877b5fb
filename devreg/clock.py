"""Today's date in China (the statutory clocks count Beijing calendar days)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

CHINA = ZoneInfo("Asia/Shanghai")


def china_today() -> date:
    return datetime.now(CHINA).date()


def china_date(moment: datetime) -> date:
    return moment.astimezone(CHINA).date()
