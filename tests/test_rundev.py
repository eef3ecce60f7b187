"""`make run`'s process (manage.py rundev): TERM or Ctrl-C stops the web server and the worker, every
process of them, and frees the port; Ctrl-C leaves no traceback behind.

Real processes on a real port, with a migrated SQLite file of their own (about 30 seconds)."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _answers(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def _processes_mentioning(text: str) -> list[str]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if text in cmdline:
            found.append(f"{entry.name}: {cmdline.strip()}")
    return found


def _stat(pid: str) -> tuple[int, int] | None:
    """(parent pid, process group) of a process, or None when it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2:].split()
    return int(fields[1]), int(fields[2])


def _children_of(parent: int) -> dict[int, str]:
    children = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (_stat(entry.name) or (0, 0))[0] == parent:
            children[int(entry.name)] = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
    return children


def _processes_in_groups(groups: set[int]) -> list[int]:
    return [int(e.name) for e in Path("/proc").iterdir()
            if e.name.isdigit() and (_stat(e.name) or (0, 0))[1] in groups]


@pytest.fixture(scope="module")
def environment(tmp_path_factory):
    database = tmp_path_factory.mktemp("rundev") / "db.sqlite3"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "PYTHONUNBUFFERED": "1"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput"], cwd=BASE_DIR, env=env, check=True,
                   stdout=subprocess.DEVNULL, timeout=300)
    return env


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["TERM", "ctrl-c"])
def test_a_signal_stops_the_server_and_the_worker_completely(environment, signum, tmp_path):
    port = _free_port()
    addr = f"127.0.0.1:{port}"
    output = tmp_path / "rundev.log"
    with output.open("wb") as log:
        rundev = subprocess.Popen(
            [sys.executable, "manage.py", "rundev", "--addr", addr], cwd=BASE_DIR, env=environment,
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        try:
            deadline = time.monotonic() + 60
            while not _answers(port):
                assert rundev.poll() is None, output.read_text()
                assert time.monotonic() < deadline, "the web server did not start"
                time.sleep(0.3)
            time.sleep(1)  # let the worker finish starting its processes
            children = _children_of(rundev.pid)
            commands = " ".join(children.values())
            assert "runserver" in commands and "qcluster" in commands, commands
            groups = {os.getpgid(pid) for pid in children}

            # Ctrl-C in a terminal goes to the foreground process group: here, rundev's own group.
            os.killpg(rundev.pid, signum) if signum == signal.SIGINT else rundev.send_signal(signum)
            rundev.wait(timeout=30)
        finally:
            if rundev.poll() is None:
                rundev.kill()
    deadline = time.monotonic() + 5
    while (_answers(port) or _processes_mentioning(addr)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _answers(port), f"something still serves {addr}"
    assert _processes_mentioning(addr) == [], "left running"
    assert _processes_in_groups(groups) == [], "the worker's processes were left running"
    log = output.read_text(errors="replace")
    assert "Traceback" not in log, log
