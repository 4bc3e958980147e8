#!/usr/bin/env python3
"""A throwaway PostgreSQL server on loopback for the test suite, `make soak` and CI.

    python scripts/pg_server.py start DIR [--port N]   # prints the SQLAlchemy URL; installs Debian's
                                                       # postgresql with apt-get when it is missing
    python scripts/pg_server.py stop DIR

The cluster lives in DIR (made by initdb, trust authentication, listening on 127.0.0.1 only, no
fsync: a test server, never a site's). As root the server runs as the `postgres` user, since
PostgreSQL refuses to run as root. Only the standard library, so it runs before any venv exists.
"""

from __future__ import annotations

import argparse
import glob
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

SERVER_USER = "postgres"


def _bin_dir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    return Path(found[-1]).parent if found else None


def ensure_installed() -> Path:
    """The server's bin folder, installing Debian's postgresql package first if needed."""
    bin_dir = _bin_dir()
    if bin_dir is None:
        print("Installing PostgreSQL for the tests (apt-get install postgresql)…", file=sys.stderr)
        sudo = [] if os.geteuid() == 0 else ["sudo"]
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run([*sudo, "apt-get", "update", "-qq"], check=True, env=env)
        subprocess.run([*sudo, "apt-get", "install", "-y", "-qq", "postgresql"], check=True, env=env,
                       stdout=subprocess.DEVNULL)
        # Debian's package starts a cluster of its own on port 5432; ours run beside it on their own port.
        bin_dir = _bin_dir()
    if bin_dir is None:
        sys.exit("PostgreSQL is not installed and could not be installed")
    return bin_dir


def _run(cmd: list[str], **kwargs) -> subprocess.CompletedProcess:
    """Run a server command, from / (the postgres user may not enter the caller's folder)."""
    return subprocess.run(_as_server_user(cmd), cwd="/", stdout=subprocess.DEVNULL, **kwargs)


def _as_server_user(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", SERVER_USER, "--", *cmd] if os.geteuid() == 0 else cmd


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def url(port: int, database: str = "postgres") -> str:
    return f"postgresql+psycopg://{SERVER_USER}@127.0.0.1:{port}/{database}"


def start(folder: Path, port: int | None = None) -> str:
    """Start (or find running) the cluster in `folder`; return its URL."""
    bin_dir = ensure_installed()
    folder = folder.resolve()
    data = folder / "data"
    port_file = folder / "port"
    if (data / "postmaster.pid").exists() and port_file.exists():
        return url(int(port_file.read_text()))
    folder.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        shutil.chown(folder, SERVER_USER)
    if not (data / "PG_VERSION").exists():
        _run([str(bin_dir / "initdb"), "-D", str(data), "-U", SERVER_USER, "--auth=trust", "--encoding=UTF8",
              "--locale=C.UTF-8"], check=True)
    port = port or _free_port()
    options = (f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={folder} "
               "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
    _run([str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(folder / "server.log"), "-o", options, "-w", "-t", "60",
          "start"], check=True)
    port_file.write_text(str(port))
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return url(port)
        time.sleep(0.1)
    sys.exit(f"PostgreSQL did not start; see {folder / 'server.log'}")


def stop(folder: Path) -> None:
    bin_dir = _bin_dir()
    data = folder.resolve() / "data"
    if bin_dir is None or not (data / "postmaster.pid").exists():
        return
    _run([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"], check=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["start", "stop"])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--port", type=int)
    args = parser.parse_args()
    if args.action == "start":
        print(start(args.folder, args.port))
    else:
        stop(args.folder)


if __name__ == "__main__":
    main()
