"""gunicorn settings for devreg (`gunicorn --config deploy/gunicorn.conf.py wsgi:app`).

Every value can be overridden by the environment (GUNICORN_WORKERS, GUNICORN_BIND, ...) or on
the command line. Several workers need the shared limiter store: set REDIS_URL."""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# CPU-bound work (argon2, PDF) dominates: two workers per core, at least two
workers = int(os.environ.get("GUNICORN_WORKERS", max(2, multiprocessing.cpu_count() * 2)))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))  # an upload of MAX_UPLOAD_MB fits
graceful_timeout = 30
keepalive = 5
max_requests = 2000  # recycle workers now and then
max_requests_jitter = 200
accesslog = "-"
errorlog = "-"
# the request id the app assigns is in the response header; log it with each request
access_log_format = '%(h)s "%(r)s" %(s)s %(B)s %(M)sms id=%({x-request-id}o)s'
# the proxy in front (deploy/nginx/devreg.conf) sets X-Forwarded-*; the app believes
# TRUSTED_PROXIES of them (ProxyFix), so gunicorn itself need not
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
