"""Rendering: a Jinja template under templates/documents/ into an A4 PDF with WeasyPrint.

Documents are always in Chinese, whatever the reader's language: the templates hold Chinese
text, not _() strings. The CJK font is a system font (README: fonts-noto-cjk, falling back to
fonts-wqy-microhei); the QR code and the seal are embedded as data: URIs, so rendering fetches
nothing."""

from __future__ import annotations

import base64
import io
from datetime import date
from pathlib import Path
from typing import Any

import segno
from flask import current_app, has_request_context, render_template

from devreg.documents.kinds import DocumentKind

STYLESHEET = Path(__file__).with_name("document.css")

#: the items of a certificate, in the order the certificate prints them (DOMAIN §10)
ITEM_TITLES_ZH = {
    "device_name": "产品名称",
    "model_spec": "型号、规格",
    "structure": "结构及组成",
    "intended_use": "适用范围",
    "technical_requirements": "产品技术要求",
    "holder_name": "注册人名称",
    "holder_address": "注册人住所",
    "production_address": "生产地址",
    "design": "设计变更",
    "raw_materials": "原材料变更",
    "production_process": "生产工艺变更",
    "method_of_use": "使用方法变更",
}
KIND_ZH = {"initial": "首次注册", "change": "变更注册", "renewal": "延续注册",
           "cancellation": "注销", "change_filing": "变更备案"}
STAGE_ZH = {"technical_review": "技术审评", "supplement_review": "补充资料后的技术审评",
            "acceptance": "受理", "decision": "行政审批"}


def cn_date(value: date | None) -> str:
    """2026年12月02日: how dates are written on paper (DOMAIN §10)."""
    return f"{value.year}年{value.month:02d}月{value.day:02d}日" if value else ""


def qr_data_uri(target: str) -> str:
    buffer = io.BytesIO()
    segno.make(target, error="m").save(buffer, kind="svg", scale=4, border=1)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


def image_data_uri(data: bytes, content_type: str) -> str:
    return f"data:{content_type};base64," + base64.b64encode(data).decode()


def render_html(kind: DocumentKind, context: dict[str, Any]) -> str:
    return render_template(f"documents/{kind.value}.html", kind=kind, cn_date=cn_date,
                           item_zh=ITEM_TITLES_ZH, kind_zh=KIND_ZH, stage_zh=STAGE_ZH,
                           **context)


def render_pdf(kind: DocumentKind, context: dict[str, Any]) -> bytes:
    from weasyprint import CSS, HTML

    html = render_html(kind, context)
    return HTML(string=html, base_url=None).write_pdf(  # type: ignore[no-any-return]
        stylesheets=[CSS(filename=str(STYLESHEET))], pdf_identifier=context["number"].encode())


def in_request_context(fn: Any, *args: Any, **kwargs: Any) -> Any:
    """Run ``fn`` where url_for works: the current request, or (commands, jobs) a request on
    PUBLIC_URL."""
    if has_request_context():
        return fn(*args, **kwargs)
    base = current_app.config.get("PUBLIC_URL") or "http://localhost"
    with current_app.test_request_context("/", base_url=base):
        return fn(*args, **kwargs)
