"""Content of record of the signed counter settings (signatures.records)."""

from __future__ import annotations

from typing import Any

from devreg.signatures.models import Signature
from devreg.signatures.records import content_of_record
from devreg.transfer.counters import MEANING, counter_content
from devreg.transfer.models import CounterSetting


@content_of_record(CounterSetting, MEANING)
def _setting(setting: CounterSetting, signature: Signature) -> dict[str, Any]:
    return counter_content(setting)
