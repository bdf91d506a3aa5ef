"""Gunicorn for Parley, behind nginx (deploy/nginx.conf.template).

    gunicorn -c deploy/gunicorn.conf.py config.wsgi
    gunicorn -c deploy/gunicorn.conf.py --bind unix:/run/parley/gunicorn.sock config.wsgi

Flags on the command line override this file (`--workers`, `--threads`, `--bind`); so does
`WEB_CONCURRENCY` for the number of workers. The choices below were measured with
bench/load.py on a 2-core machine (docs/performance.md, "Through nginx").

nginx reads each request whole before passing it on and takes each answer whole before a slow
reader gets it, so a worker only ever waits on PostgreSQL and Redis, never on a client: that is
what makes a handful of workers enough, and why this must not face the internet directly.
"""

import os

# Where nginx finds it. A Unix socket is a little cheaper; TCP is easier to reach from a load
# balancer's health checks and from several nginx hosts.
bind = "127.0.0.1:8000"

# gthread: each worker process runs `threads` requests at once. A request spends part of its
# time waiting on PostgreSQL and Redis, and threads overlap those waits without the memory of
# more processes. One worker per core (Python runs one thread at a time per process).
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY") or os.cpu_count() or 2)
threads = 4

# A request taking longer than this has its worker killed and restarted (and nginx answers 502
# in the error shape). Requests are short; 30 s only catches a stuck one.
timeout = 30
graceful_timeout = 30
# Idle connections from nginx stay open (the upstream's keepalive in nginx.conf); longer than
# nginx keeps them, so that nginx, not gunicorn, is the one to close an idle connection.
keepalive = 75

# Recycle a worker now and then, at staggered moments, so a slow leak cannot grow unbounded.
# Not too often: a hot article's cached pages answer ~1,400 requests/s per worker, so 20,000
# restarted each worker every ~15 s, and while the new one loaded Django the other carried
# everything: the anonymous page's p99 went from ~60 ms to ~1 s in the runs that had a restart
# (docs/performance.md, 2026-12-06). Every ~2.5 minutes at that rate, rarely otherwise.
max_requests = 200000
max_requests_jitter = 20000

# The request limits nginx already enforces, kept here too for a request that reaches gunicorn
# some other way (gunicorn's defaults, written out).
limit_request_line = 4094
limit_request_fields = 100
limit_request_field_size = 8190

# nginx on the same host sets X-Forwarded-For and X-Forwarded-Proto; trust them from it only.
forwarded_allow_ips = "127.0.0.1,::1"

# The workers' heartbeat files in memory, so a slow disk cannot make them look dead.
SHM = "/dev/shm"  # noqa: S108 - tmpfs, as gunicorn's docs recommend for this
if os.path.isdir(SHM):
    worker_tmp_dir = SHM

proc_name = "parley-web"
# nginx writes the access log; gunicorn logs errors and worker restarts.
accesslog = None
errorlog = "-"
loglevel = "warning"


def post_worker_init(worker: object) -> None:
    """Each worker, once the application is loaded: load the rest of what requests need and
    keep it out of the garbage collector's full collections (config/warmup.py)."""
    from config.warmup import settle

    settle()
