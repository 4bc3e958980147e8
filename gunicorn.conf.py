"""gunicorn settings, read automatically by `gunicorn -w N wsgi:app` run from the checkout."""

import gc

# The fork-friendly recipe of the gc module's documentation: no collections while the master loads the
# app (0.1 s of its start), then every object it made frozen before the workers fork, so a worker's
# collections neither scan them nor copy their memory pages (that made a worker's first search 0.1 s
# slower at 100k records).
gc.disable()

bind = "127.0.0.1:8000"
# Load the app (and later jieba's dictionary) once in the master, before the workers fork.
preload_app = True
accesslog = "-"


def on_starting(server):
    """In the master, after the app is loaded and before it listens: a server never starts without a
    search index. One that is missing (a new machine, a lost search/ folder), outdated or too far behind
    the change log is rebuilt first (above 5,000 records by forked writer processes, so the master
    itself stays small)."""
    from innovation_hub import search
    from innovation_hub.extensions import db
    from wsgi import app

    gc.enable()  # a rebuild makes garbage; collection is paused only while the app loads
    try:
        with app.app_context():
            if search.ensure_index():
                server.log.info("search index rebuilt before serving")
            db.session.remove()
    finally:
        gc.collect()
        gc.disable()


def when_ready(server):
    """In the master, after the app is loaded and before any worker forks: read the search index's
    columns once, so that no worker's first search pays for them."""
    from innovation_hub import search
    from innovation_hub.extensions import db
    from wsgi import app

    with app.app_context():
        search.preload()
        db.session.remove()
    gc.freeze()
    gc.enable()


def post_fork(server, worker):
    """Each worker opens its own database connections; none are shared across the fork."""
    from innovation_hub.extensions import db
    from wsgi import app

    with app.app_context():
        db.engine.dispose(close=False)

# gunicorn ≥ 27 opens a control socket in ~/.gunicorn shared by every gunicorn of the user; not needed here.
control_socket_disable = True
