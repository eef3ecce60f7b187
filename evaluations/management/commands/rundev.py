"""`make run`: the web server and the django-q2 worker together; one Ctrl-C stops both."""

import signal
import subprocess
import sys
import time

from django.core.management.base import BaseCommand


def _interrupt(signum, frame):
    raise KeyboardInterrupt


class Command(BaseCommand):
    help = "Runs the development web server and the background worker side by side."

    def add_arguments(self, parser):
        parser.add_argument("--addr", default="127.0.0.1:8000")

    def handle(self, *args, addr, **options):
        # A TERM (from a supervisor or `timeout`) stops both children too, like Ctrl-C.
        signal.signal(signal.SIGTERM, _interrupt)
        manage = [sys.executable, "manage.py"]
        processes = [
            subprocess.Popen([*manage, "runserver", addr]),
            subprocess.Popen([*manage, "qcluster"]),
        ]
        self.stdout.write(self.style.SUCCESS(f"\nMitt-i-ST: http://{addr}/  (Ctrl-C stops the server and the worker)\n"))
        try:
            while all(p.poll() is None for p in processes):
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            for p in processes:
                if p.poll() is None:
                    p.send_signal(signal.SIGINT)
            deadline = time.monotonic() + 10
            for p in processes:
                try:
                    p.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    p.kill()
        failed = [p for p in processes if p.returncode not in (0, -signal.SIGINT, None)]
        if failed:
            sys.exit(1)
