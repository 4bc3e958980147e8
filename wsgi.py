"""The WSGI entry point for production: gunicorn -w 4 wsgi:app (settings in gunicorn.conf.py)."""

from innovation_hub import create_app

app = create_app()
