"""Login cost with the production hash (scrypt): a known vs an unknown name, and how long each attempt holds
SQLite's write lock (BEGIN IMMEDIATE … COMMIT), which every other write waits for.

    .venv/bin/python bench/login.py [ATTEMPTS]
"""

from __future__ import annotations

import contextlib
import os
import statistics
import sys
import tempfile
import time

from sqlalchemy import event


def main(attempts: int = 20) -> None:
    with tempfile.TemporaryDirectory() as instance:
        os.environ["INNOVATION_HUB_INSTANCE"] = instance
        from innovation_hub import create_app
        from innovation_hub.accounts.models import Role
        from innovation_hub.accounts.services import LoginRefused, authenticate, create_user
        from innovation_hub.extensions import db, upgrade_schema

        app = create_app()
        with app.app_context():
            upgrade_schema()
            for n in range(attempts):
                create_user(None, f"admin{n}", "bench-pass-2024", Role.ADMIN)
            held: list[float] = []
            opened: list[float] = []

            @event.listens_for(db.engine, "begin")
            def _begin(conn):
                if conn.get_execution_options().get("sqlite_begin") == "IMMEDIATE":
                    opened.append(time.perf_counter())

            @event.listens_for(db.engine, "commit")
            def _commit(conn):
                if opened:
                    held.append(time.perf_counter() - opened.pop())

            def run(username: str, address: str) -> tuple[float, float]:
                held.clear()
                start = time.perf_counter()
                with contextlib.suppress(LoginRefused):
                    authenticate(username, "wrong-password-1", address)
                return time.perf_counter() - start, sum(held)

            results = {}
            for label, prefix in (("known name", "admin"), ("unknown name", "nobody")):
                # A new name and address each time: no limit refuses an attempt unchecked.
                results[label] = [run(f"{prefix}{n}", f"198.51.{n // 250}.{n % 250}") for n in range(attempts)]
            for label, runs in results.items():
                total = [r[0] * 1000 for r in runs]
                lock = [r[1] * 1000 for r in runs]
                print(f"{label:>12}: wrong password {statistics.median(total):6.1f} ms median "
                      f"(min {min(total):.1f}, max {max(total):.1f}); "
                      f"write lock held {statistics.median(lock):5.2f} ms median, {max(lock):.2f} ms max")
            db.engine.dispose()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
