"""Issue 15 item 4: `flask sweep` may run on every host at once; one does the work.

Why: two sweeps running together: one did the work, the other died with StaleDataError."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from devreg.jobs.locks import exclusive

HOLD = textwrap.dedent("""
    import sys, time
    from devreg import create_app
    from devreg.jobs.locks import exclusive

    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": sys.argv[1],
                      "UPLOAD_FOLDER": sys.argv[2]})
    app.instance_path = sys.argv[3]
    with app.app_context(), exclusive("sweep") as held:
        print("held" if held else "refused", flush=True)
        sys.stdin.readline()  # hold until told
""")


def test_a_second_sweep_says_another_is_running_and_exits_0(app, demo):
    holder = subprocess.Popen(  # another host's sweep, in its own process
        [sys.executable, "-c", HOLD, app.config["SQLALCHEMY_DATABASE_URI"],
         app.config["UPLOAD_FOLDER"], app.instance_path],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        result = app.test_cli_runner().invoke(args=["sweep"])
        assert result.exit_code == 0, result.output
        assert "another sweep is running" in result.output
        assert "deemed accepted" not in result.output
    finally:
        holder.communicate("\n", timeout=30)
    # the lock went with the process: the next sweep runs
    result = app.test_cli_runner().invoke(args=["sweep"])
    assert result.exit_code == 0 and "deemed accepted: 0" in result.output, result.output


def test_the_lock_is_one_holder_at_a_time_and_released_after(app):
    with exclusive("sweep") as first:
        assert first
        with exclusive("other-task") as unrelated:
            assert unrelated
    with exclusive("sweep") as again:
        assert again
