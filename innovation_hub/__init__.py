"""innovation_hub: the innovation-studio catalogue of the city federation of trade unions."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import click
from flask import Flask

from . import config as default_config
from . import speedups
from .extensions import csrf, db, init_migrations


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app: config → extensions → blueprints → cli → errors."""
    instance_path = os.environ.get("INNOVATION_HUB_INSTANCE")
    app = Flask(
        __name__,
        instance_path=str(Path(instance_path).resolve()) if instance_path else None,
        instance_relative_config=True,
    )
    configure(app, test_config)
    speedups.install()
    register_models()
    register_extensions(app)
    register_blueprints(app)
    register_signals()
    register_cli(app)
    register_errors(app)
    register_template_helpers(app)
    return app


def configure(app: Flask, test_config: dict | None) -> None:
    """Defaults, then instance/config.py, then FLASK_* env, then the test config."""
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.from_object(default_config)
    app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + str(Path(app.instance_path) / "innovation_hub.sqlite")
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env()
    if test_config:
        app.config.update(test_config)
    app.json.sort_keys = False  # keep 国家级, 省级, 市级 in their own order
    app.json.ensure_ascii = False
    if not app.config.get("SECRET_KEY"):
        if not str(app.config["SQLALCHEMY_DATABASE_URI"]).startswith("sqlite"):
            # A generated key is per instance folder: a second app server would sign other cookies, and
            # every login, CSRF token and voter cookie from one server would fail on the other.
            raise RuntimeError("使用数据库服务器（非 SQLite）时必须设置共享的 SECRET_KEY："
                               "在 instance/config.py 中写 SECRET_KEY = \"…\"，或设置环境变量 FLASK_SECRET_KEY；"
                               "每台应用服务器须使用同一个值")
        app.config["SECRET_KEY"] = _instance_secret_key(Path(app.instance_path))


def _instance_secret_key(instance: Path) -> str:
    """A random key generated once per instance folder, so sessions survive restarts."""
    key_file = instance / "secret_key"
    if not key_file.exists():
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32))
    return key_file.read_text().strip()


def register_models() -> None:
    """Import every feature's models, so relationships resolve and migrations see every table."""
    from sqlalchemy.orm import configure_mappers

    from .accounts import models as _accounts  # noqa: F401
    from .audit import models as _audit  # noqa: F401
    from .awards import models as _awards  # noqa: F401
    from .catalogue import models as _catalogue  # noqa: F401
    from .catalogue import versioning as _versioning  # noqa: F401  (its listeners bump the catalogue version)
    from .ledger import models as _ledger  # noqa: F401
    from .lifecycle import models as _lifecycle  # noqa: F401
    from .search import models as _search  # noqa: F401
    from .submissions import models as _submissions  # noqa: F401

    # Now, not at the first query: with gunicorn's preload that is once in the master instead of
    # 0.18 s in the first request of every worker.
    configure_mappers()


def register_extensions(app: Flask) -> None:
    from . import page_cache, search, security
    from .accounts.queries import user_for_session
    from .catalogue.versioning import current_version
    from .database import configure_engine

    db.init_app(app)
    if click.get_current_context(silent=True) is not None:  # the flask command line: `flask db …`
        init_migrations(app)
    csrf.init_app(app)
    security.init_app(app, user_for_session)
    page_cache.init_app(app, current_version)
    search.init_app(app)
    with app.app_context():
        configure_engine(db.engine)


def register_blueprints(app: Flask) -> None:
    from .accounts.views import bp as accounts_bp
    from .api.views import bp as api_bp
    from .catalogue import views as catalogue_views
    from .ledger.views import workbook_response
    from .lifecycle.queries import studio_history
    from .search.views import api_bp as search_api_bp
    from .search.views import bp as search_bp

    catalogue_views.init_app(app, catalogue_views.PageParts(studio_history, workbook_response))
    app.register_blueprint(catalogue_views.bp)
    app.register_blueprint(accounts_bp)
    from .figures.forms import ValueLineForm
    from .submissions import views as submissions_views
    submissions_views.init_app(app, ValueLineForm)
    app.register_blueprint(submissions_views.bp)
    app.register_blueprint(submissions_views.files_bp)
    from .office.views import bp as office_bp
    app.register_blueprint(office_bp)
    from .review.views import bp as review_bp
    app.register_blueprint(review_bp)
    from .ledger.views import bp as ledger_bp
    app.register_blueprint(ledger_bp)
    from .lifecycle.views import admin_bp as lifecycle_admin_bp
    from .lifecycle.views import studio_bp as lifecycle_studio_bp
    app.register_blueprint(lifecycle_admin_bp)
    app.register_blueprint(lifecycle_studio_bp)
    from .figures.views import bp as figures_bp
    app.register_blueprint(figures_bp)
    app.register_blueprint(search_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(search_api_bp)
    from .awards import proof_files
    from .awards import views as award_views

    award_views.register(app)
    proof_files.register(app)  # a judge opens the proof files of what it scores (submissions imports no awards)
    csrf.exempt(api_bp)  # read-only JSON, no forms
    csrf.exempt(search_api_bp)


def register_signals() -> None:
    """Lower packages announce, higher ones listen: the edges that would otherwise point upwards."""
    from .accounts.services import judge_unit_changed
    from .awards.assignment import drop_standing_conflicts

    judge_unit_changed.connect(drop_standing_conflicts)


def register_cli(app: Flask) -> None:
    from .cli import register

    register(app)


def register_errors(app: Flask) -> None:
    from .errors import register

    register(app)


def register_template_helpers(app: Flask) -> None:
    from .templating import register

    register(app)
