"""Builders for registration tests: drive the real services the way the views do."""

from __future__ import annotations

import io
from datetime import date

from devreg.extensions import db
from devreg.registrations import services as svc
from devreg.registrations.kinds import ApplicationKind

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def make_device(demo, *, holder="holder", name="电子血压计", category="07", ivd=False):  # type: ignore[no-untyped-def]
    user = demo.user(holder)
    return svc.create_device(svc.DeviceData(
        name=name, model_spec="BP-100, BP-200", structure="主机、袖带", intended_use="测量血压",
        device_class="2", category_code="40" if ivd else category, is_ivd_reagent=ivd),
        holder_org_id=user.organisation_id)


def upload_all(application, user) -> None:  # type: ignore[no-untyped-def]
    for chapter in application.checklist:
        if chapter.required:
            svc.add_dossier_file(application, chapter.code, filename=f"{chapter.code}.pdf",
                                 stream=io.BytesIO(PDF), actor=user)


def submitted_application(demo, *, today: date, holder="holder", **device_kwargs):  # type: ignore[no-untyped-def]
    user = demo.user(holder)
    device = make_device(demo, holder=holder, **device_kwargs)
    application = svc.create_application(ApplicationKind.INITIAL, device, actor=user,
                                         today=today, production_address="河北省石家庄市")
    upload_all(application, user)
    svc.submit_application(application, actor=user, password="devreg-demo", declaration=True,
                           today=today)
    db.session.commit()
    return application
