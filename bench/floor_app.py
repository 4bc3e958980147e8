"""The floor of bench/pages.py: the least a studio page can cost on this stack.

One route, /floor/<id>, that reads the same studio's row and its approved achievements
from the same SQLite file with the sqlite3 module and renders a minimal Jinja template.
A new sqlite3 connection per request (the plain "bare" choice: no pool, no ORM).
The template is compiled once and cached by Jinja, as the real app's templates are;
render_template_string would recompile it on every request and lower the floor.

Served by gunicorn: `gunicorn -w 2 bench.floor_app:app`, with INNOVATION_HUB_INSTANCE
naming the instance folder that holds innovation_hub.sqlite.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from flask import Flask, abort, render_template
from jinja2 import DictLoader

DB_PATH = Path(os.environ.get("INNOVATION_HUB_INSTANCE", "instance")) / "innovation_hub.sqlite"

TEMPLATE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{{ studio.name }}</title></head>
<body><h1>{{ studio.name }}</h1>
<p>{{ studio.host_unit }} · {{ studio.industry }}</p>
<ul>{% for a in achievements %}<li>{{ a.title }}（{{ a.year }}）</li>{% endfor %}</ul>
</body></html>"""

app = Flask(__name__)
app.jinja_loader = DictLoader({"floor.html": TEMPLATE})


@app.get("/floor/<int:studio_id>")
def floor(studio_id: int):
    conn = sqlite3.connect(DB_PATH)
    try:
        conn.row_factory = sqlite3.Row
        studio = conn.execute(
            "SELECT id, name, host_unit, industry FROM studios WHERE id = ?", (studio_id,)
        ).fetchone()
        if studio is None:
            abort(404)
        achievements = conn.execute(
            "SELECT id, title, year FROM achievements WHERE studio_id = ? AND status = 'approved'"
            " ORDER BY year DESC, id DESC",
            (studio_id,),
        ).fetchall()
    finally:
        conn.close()
    return render_template("floor.html", studio=studio, achievements=achievements)
