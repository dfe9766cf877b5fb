"""How many of 100 wrong sign-ins from one address get through the 30-a-minute limit, with
4 gunicorn workers, per-process memory:// counters versus Redis.

    .venv/bin/python bench/limits_across_workers.py [--redis redis://127.0.0.1:6379/0]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    from flask_migrate import upgrade

    from devreg import create_app
    from tests.hosts.conftest import Instance, production_env
    from tests.hosts.test_gunicorn_limits import _early_in_a_minute, wrong_sign_ins

    parser = argparse.ArgumentParser()
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="devreg-limits-"))
    url = f"sqlite:///{scratch / 'limits.sqlite3'}"
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": url,
                      "UPLOAD_FOLDER": str(scratch / "uploads")})
    with app.app_context():
        upgrade()
    for label, extra in (("memory://", {"RATELIMIT_ALLOW_MEMORY": "1"}),
                         ("redis", {"REDIS_URL": args.redis,
                                    "DEVREG_RATELIMIT_KEY_PREFIX": uuid.uuid4().hex})):
        instance = Instance(production_env(DATABASE_URL=url, UPLOAD_FOLDER=str(scratch),
                                           **extra), workers=4, log=scratch / f"{label[:5]}.log")
        try:
            _early_in_a_minute()
            answers = wrong_sign_ins(instance.url, 100)
        finally:
            instance.stop()
        print(f"{label:10} 4 workers: {answers.count(200)} of 100 wrong sign-ins evaluated, "
              f"{answers.count(429)} refused (limit 30 a minute per address)")


if __name__ == "__main__":
    main()
