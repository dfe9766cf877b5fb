#!/usr/bin/env bash
# Benchmark devreg beside a bare Flask hello-world, both under gunicorn with 2 sync workers.
#   bench/run.sh                          # the demo data, in a fresh SQLite database
#   bench/run.sh --applications 200000 --organisations 20000 --audit-events 2000000 \
#                --database-url postgresql://postgres@127.0.0.1:5432/devreg_bench
#   bench/run.sh --smoke                  # CI: 2,000 applications, each page once, statement
#                                         # counts asserted, no wrk
# Prints req/s, p50, p99, the ratio to hello-world, SQL statements per page and worker RSS.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-.venv/bin/python}"
exec "$PYTHON" bench/run.py "$@"
