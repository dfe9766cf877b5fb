"""Notice pages: a thread with its read receipts, writing a notice, answering, attachments."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from devreg.arrangements import bp
from devreg.arrangements import notices as svc
from devreg.arrangements.forms import NoticeForm
from devreg.arrangements.models import Notice, NoticeAttachment
from devreg.arrangements.queries import get_arrangement_or_404
from devreg.errors import DomainError
from devreg.extensions import db
from devreg.i18n import _
from devreg.permissions import authorize
from devreg.registrations import files


def _notice_or_404(notice_id: int) -> Notice:
    notice = db.session.get(Notice, notice_id)
    if notice is None or not svc.may_read(current_user, notice):
        abort(404)
    return notice


def _uploads(form: NoticeForm) -> list:  # type: ignore[type-arg]
    return [(upload.filename, upload.stream) for upload in form.attachments.data or []
            if upload is not None and getattr(upload, "filename", "")]


def _render_thread(notice: Notice, form: NoticeForm, status: int = 200):  # type: ignore[no-untyped-def]
    thread = [n for n in svc.thread_of(notice) if svc.may_read(current_user, n)]
    return render_template("arrangements/notice.html", root=thread[0] if thread else notice,
                           thread=thread, arrangement=notice.arrangement, form=form,
                           may_write=svc.provinces_of(notice.arrangement)
                           - {current_user.jurisdiction} != set()), status


@bp.route("/notices/<int:notice_id>")
@login_required
def notice(notice_id: int):
    """Opening the thread is the read receipt of every notice in it told to one's province."""
    item = _notice_or_404(notice_id)
    if svc.mark_read(svc.thread_of(item), reader=current_user):
        db.session.commit()
    return _render_thread(item, NoticeForm(formdata=None))


@bp.route("/arrangements/<int:arrangement_id>/notices", methods=["POST"])
@login_required
def write_notice(arrangement_id: int):
    arrangement = get_arrangement_or_404(arrangement_id, current_user)
    authorize(current_user, "arrangements.write_notice", arrangement)
    form = NoticeForm()
    if form.validate_on_submit():
        try:
            written = svc.write(arrangement, actor=current_user, body=form.body.data,
                                uploads=_uploads(form))
        except DomainError as error:
            db.session.rollback()
            form.body.errors = [error.message]
        else:
            db.session.commit()
            flash(_("Notice sent to the other province."), "success")
            return redirect(url_for("arrangements.notice", notice_id=written.id))
    return render_template("arrangements/notice_form.html", arrangement=arrangement,
                           form=form), 422


@bp.route("/notices/<int:notice_id>/answer", methods=["POST"])
@login_required
def answer_notice(notice_id: int):
    item = _notice_or_404(notice_id)
    authorize(current_user, "arrangements.write_notice", item.arrangement)
    form = NoticeForm()
    if form.validate_on_submit():
        try:
            written = svc.write(item.arrangement, actor=current_user, body=form.body.data,
                                uploads=_uploads(form), answering=item)
        except DomainError as error:
            db.session.rollback()
            form.body.errors = [error.message]
        else:
            db.session.commit()
            flash(_("Answer sent to the other province."), "success")
            return redirect(url_for("arrangements.notice", notice_id=written.root_id))
    return _render_thread(item, form, 422)


@bp.route("/notices/<int:notice_id>/files/<int:attachment_id>")
@login_required
def notice_attachment(notice_id: int, attachment_id: int):
    item = _notice_or_404(notice_id)
    attachment = db.session.get(NoticeAttachment, attachment_id)
    if attachment is None or attachment.notice_id != item.id:
        abort(404)
    return files.download(attachment.stored_name, size=attachment.size,
                          mimetype=attachment.content_type,
                          download_name=attachment.original_name)
