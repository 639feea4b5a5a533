"""Settings for the load benchmark (bench/load_bench.py): sendroute's own settings, unchanged, plus
two floor pages that only the benchmark's server has.

- /__bench/django: a Django view behind exactly the same middleware that returns a small page and
  touches no database (the benchmark requests it without a session cookie, so neither the session
  nor the user is loaded).
- /__bench/bare: a bare WSGI app (bench/bench_wsgi.py) in the same gunicorn workers, no Django.
"""

from __future__ import annotations

from sendroute.web.settings import *  # noqa: F403

ROOT_URLCONF = "bench.bench_urls"
WSGI_APPLICATION = "bench.bench_wsgi.application"

# The body of both floor pages.
FLOOR_PAGE = (
    "<!DOCTYPE html><html lang='en'><head><title>Floor</title></head>"
    "<body><main><h1>Floor</h1><p>A small page made without the database.</p></main></body></html>"
)
