"""Fixtures for running devreg as several hosts: the S3 emulator (moto's standalone server),
Redis, and app instances served by gunicorn in subprocesses, all on 127.0.0.1."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.foundation.helpers import dispose, make_app

ROOT = Path(__file__).resolve().parents[2]
S3_KEYS = {"S3_ACCESS_KEY_ID": "testing", "S3_SECRET_ACCESS_KEY": "testing",
           "S3_REGION": "us-east-1"}
# a production-grade configuration for instances run with TESTING off
STRONG_SECRET = "kV3pZq8sT1yWmB6nR0cXfH2jL9uE4aGd7oS5iQwYtN"
STRONG_AUDIT_KEY = "Au7dXk2Lq9ZsW4mRt8VbN1cYe6HgJ3pF5oIuK0wEaS"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(url: str, *, timeout: float = 60, process: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{url}: the server exited with {process.returncode}")
        try:
            requests.get(url, timeout=2)
            return
        except requests.RequestException:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {timeout} s")


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """moto's S3 emulator on a free port (no S3-compatible server can be installed here)."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(url, process=process)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def make_bucket(endpoint: str) -> str:
    import boto3

    bucket = f"devreg-{uuid.uuid4().hex[:12]}"
    boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                 aws_access_key_id="testing",
                 aws_secret_access_key="testing").create_bucket(Bucket=bucket)
    return bucket


@pytest.fixture
def s3_config(s3_endpoint: str) -> dict[str, str]:
    return {"STORAGE": "s3", "S3_ENDPOINT_URL": s3_endpoint, "S3_BUCKET": make_bucket(s3_endpoint),
            **S3_KEYS}


@pytest.fixture
def s3_app(app, s3_config):  # type: ignore[no-untyped-def]
    """A second application on the suite's database whose files live in the S3 emulator."""
    other = make_app(app, **s3_config)
    yield other
    dispose(other)


def redis_url(db: int = 0) -> str:
    return os.environ.get("DEVREG_TEST_REDIS_URL", f"redis://127.0.0.1:6379/{db}")


@pytest.fixture(scope="session")
def redis_available() -> str:
    import redis

    url = redis_url()
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        if os.environ.get("DEVREG_REQUIRE_REDIS"):
            pytest.fail(f"Redis at {url} is required (DEVREG_REQUIRE_REDIS): {error}")
        pytest.skip(f"no Redis at {url} ({error}); .ci/run starts one")
    return url


def unique_prefix() -> str:
    """Rate-limit keys and queue names of their own: several developers share one Redis."""
    return f"devreg-test-{uuid.uuid4().hex[:10]}"


class Instance:
    """One app host: gunicorn serving devreg on a free port, configured by environment."""

    def __init__(self, env: dict[str, str], *, workers: int = 1, log: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        full_env = {**os.environ, **env}
        full_env.pop("DEVREG_TESTING", None)
        self._log_file = log.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--config", str(ROOT / "deploy/gunicorn.conf.py"),
             "--bind", f"127.0.0.1:{self.port}", "--workers", str(workers), "wsgi:app"],
            cwd=ROOT, env=full_env, stdout=self._log_file, stderr=subprocess.STDOUT)
        try:
            wait_for(self.url + "/healthz", process=self.process)
        except RuntimeError as error:
            self.stop()
            raise RuntimeError(f"{error}\n{log.read_text(errors='replace')[-3000:]}") from None

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self._log_file.close()


def production_env(**extra: str) -> dict[str, str]:
    """What deploy/devreg.env asks for, with the suite's light password hashing."""
    return {"DEVREG_ENV": "production", "SECRET_KEY": STRONG_SECRET,
            "AUDIT_KEY": STRONG_AUDIT_KEY,
            "PUBLIC_URL": "http://127.0.0.1", "DEVREG_PASSWORD_HASH_LIGHT": "true",
            **extra}

