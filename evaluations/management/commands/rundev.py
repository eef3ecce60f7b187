"""`make run`: the web server and the django-q2 worker together; one Ctrl-C (or one TERM) stops both.

Each child runs in a process group of its own, and stopping means stopping the whole group:
`runserver`'s autoreloader is a parent that restarts a child serving the port, and signalling only the
parent (as TERM from `make` or `timeout` used to) left that child running on the port.

The terminal's Ctrl-C reaches only this process (the children are not in the terminal's foreground
group), which then asks each child once with SIGTERM (SIGINT may be ignored: a shell starts background
jobs with it ignored): runserver's whole group, and the worker's main process, which stops its own
workers. A Ctrl-C that hit the worker's processes all at once is what made django-q print a traceback
from its atexit hooks. Anything still there after STOP_WAIT_SECONDS is killed, group by group.
"""

import os
import signal
import subprocess
import sys
import time

from django.core.management.base import BaseCommand

STOP_WAIT_SECONDS = 10


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def _signal_group(process: subprocess.Popen, signum: int) -> None:
    try:
        os.killpg(process.pid, signum)
    except ProcessLookupError:
        pass  # already gone, with everything in its group


class Command(BaseCommand):
    help = "Runs the development web server and the background worker side by side."

    def add_arguments(self, parser):
        parser.add_argument("--addr", default="127.0.0.1:8000")

    def handle(self, *args, addr, **options):
        signal.signal(signal.SIGTERM, _interrupt)
        signal.signal(signal.SIGHUP, _interrupt)  # the terminal closed
        manage = [sys.executable, "manage.py"]
        server = subprocess.Popen([*manage, "runserver", addr], start_new_session=True)
        worker = subprocess.Popen([*manage, "qcluster"], start_new_session=True)
        processes = [server, worker]
        self.stdout.write(self.style.SUCCESS(f"\nMitt-i-ST: http://{addr}/  (Ctrl-C stops the server and the worker)\n"))
        try:
            while all(p.poll() is None for p in processes):
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            # Ctrl-C again while stopping must not leave the children behind.
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            self._stop(server, worker)
        failed = [p for p in processes if p.returncode not in (0, -signal.SIGINT, -signal.SIGTERM, None)]
        if failed:
            sys.exit(1)

    def _stop(self, server: subprocess.Popen, worker: subprocess.Popen) -> None:
        _signal_group(server, signal.SIGTERM)
        if worker.poll() is None:
            worker.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_WAIT_SECONDS
        for process in (server, worker):
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
        # Whatever is left in either group (a reloader's child, a worker's process) goes now.
        for process in (server, worker):
            _signal_group(process, signal.SIGKILL)
