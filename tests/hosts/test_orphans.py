"""Issue 8 item 10: a process killed between storing a file and committing its row leaves an
orphan; `flask sweep` removes it once it is a day old."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

from sqlalchemy import func, select

from devreg.clock import china_today
from devreg.extensions import db
from devreg.registrations import services as svc
from devreg.registrations.kinds import ApplicationKind
from devreg.registrations.models import DossierFile
from tests.registrations.helpers import files_on_disk, make_device

KILLED_UPLOAD = textwrap.dedent("""
    import io, os, signal, sys
    from devreg import create_app
    from devreg.extensions import db
    from devreg.auth.models import User
    from devreg.registrations import services as svc
    from devreg.registrations.models import Application
    from tests.registrations.helpers import PDF

    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": sys.argv[1],
                      "UPLOAD_FOLDER": sys.argv[2], "PASSWORD_HASH_LIGHT": True})
    with app.app_context():
        application = db.session.get(Application, int(sys.argv[3]))
        holder = db.session.get(User, int(sys.argv[4]))
        svc.add_dossier_file(application, "1", filename="a.pdf", stream=io.BytesIO(PDF),
                             actor=holder)
        db.session.flush()  # the row is written, the file is stored: not yet committed
        print("stored", flush=True)
        os.kill(os.getpid(), signal.SIGKILL)  # the worker dies here
""")


def test_upload_killed_before_commit_leaves_an_orphan_that_the_sweep_removes(app, demo):
    holder = demo.user("holder")
    application = svc.create_application(ApplicationKind.INITIAL, make_device(demo),
                                         actor=holder, today=china_today(),
                                         production_address="x")
    db.session.commit()
    ids = [str(application.id), str(holder.id)]
    db.session.close()  # SQLite: let the other process write
    killed = subprocess.run(
        [sys.executable, "-c", KILLED_UPLOAD, app.config["SQLALCHEMY_DATABASE_URI"],
         app.config["UPLOAD_FOLDER"], *ids],
        capture_output=True, text=True, timeout=120, check=False)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert "stored" in killed.stdout
    orphans = files_on_disk(app)
    assert len(orphans) == 1  # the file without its record
    assert db.session.scalar(select(func.count(DossierFile.id))) == 0

    runner = app.test_cli_runner()
    result = runner.invoke(args=["sweep"])
    assert result.exit_code == 0, result.output
    assert "orphaned files removed: 0" in result.output  # younger than a day: may be in flight
    assert files_on_disk(app) == orphans

    day_ago = time.time() - 24 * 3600 - 60
    os.utime(orphans[0], (day_ago, day_ago))
    result = runner.invoke(args=["sweep"])
    assert result.exit_code == 0, result.output
    assert "orphaned files removed: 1" in result.output
    assert files_on_disk(app) == []
