"""Bare extension singletons, bound to the app in create_app()."""

from pathlib import Path

from flask import Flask, current_app
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)
csrf = CSRFProtect()

MIGRATIONS_DIR = str(Path(__file__).parent / "migrations")


def init_migrations(app: Flask) -> None:
    """Flask-Migrate, for `flask db …` and init-db only: importing alembic costs ~0.3 s a process,
    which a gunicorn worker or a test would pay for nothing."""
    from flask_migrate import Migrate

    if "migrate" not in app.extensions:
        Migrate(app, db, directory=MIGRATIONS_DIR, render_as_batch=True, compare_type=True)


def upgrade_schema() -> None:
    """Create or upgrade the current app's database to the newest migration."""
    from flask_migrate import upgrade

    init_migrations(current_app._get_current_object())
    upgrade()
