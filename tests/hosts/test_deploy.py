"""deploy/ matches what the app reads and what the tests run."""

from __future__ import annotations

import re

from devreg.config import Defaults
from tests.hosts.conftest import ROOT

DEPLOY = ROOT / "deploy"


def _env_template() -> dict[str, str]:
    pairs = {}
    for line in (DEPLOY / "devreg.env").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            pairs[key.strip()] = value.strip()
    return pairs


def test_nginx_body_limit_matches_max_upload_mb():
    mb = int(_env_template()["MAX_UPLOAD_MB"])
    site = (DEPLOY / "nginx" / "devreg.conf").read_text()
    assert f"client_max_body_size {mb + 1}m;" in site
    assert mb * 1024 * 1024 == Defaults.DOSSIER_MAX_BYTES  # the template keeps the default
    for header in ("X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host", "X-Request-ID"):
        assert f"proxy_set_header {header}" in site
    assert "ssl_certificate" in site


def test_environment_template_names_only_settings_the_app_reads():
    read_by_app = (ROOT / "devreg" / "config.py").read_text()
    gunicorn = (DEPLOY / "gunicorn.conf.py").read_text()
    for key in _env_template():
        assert f'"{key}"' in read_by_app or f'"{key}"' in gunicorn, key
    for required in ("SECRET_KEY", "AUDIT_KEY", "PUBLIC_URL", "REDIS_URL", "DATABASE_URL",
                     "TRUSTED_PROXIES", "TRUSTED_HOSTS", "STORAGE"):
        assert required in _env_template()


def test_systemd_units_run_the_commands_the_tests_run():
    units = {path.name: path.read_text() for path in (DEPLOY / "systemd").iterdir()}
    assert "gunicorn --config deploy/gunicorn.conf.py wsgi:app" in units["devreg-web.service"]
    assert "flask --app devreg worker" in units["devreg-worker@.service"]
    assert "flask --app devreg sweep" in units["devreg-sweep.service"]
    assert re.search(r"OnCalendar=\S+", units["devreg-sweep.timer"])
    for text in units.values():
        if "[Service]" in text:
            assert "EnvironmentFile=/etc/devreg/devreg.env" in text
