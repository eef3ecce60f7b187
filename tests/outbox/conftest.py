"""A real SMTP server for the outbox tests: aiosmtpd on 127.0.0.1, on a port of its own.

`smtp.refuse(address, "451 4.3.0 Try again later", times=1)` makes the server answer RCPT TO for that
address with the reply (a number of times, or always with times=None); `smtp.received` lists
(recipient, message) for every message the server took; `smtp.stop()` and `smtp.start()` take the server
away and bring it back on the same port. `case`: a case with the contact made, and an empty outbox.
"""

import socket
import threading
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller

from evaluations.models import Evaluation
from mittist.outbox.models import Message


class Handler:
    def __init__(self):
        self.refusals: dict[str, list] = {}
        self.received: list[tuple[str, object]] = []
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        with self.lock:
            rule = self.refusals.get(address.lower())
            if rule and rule[1] != 0:
                rule[1] = rule[1] - 1 if rule[1] is not None else None
                return rule[0]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.content, policy=policy.default)
        with self.lock:
            for rcpt in envelope.rcpt_tos:
                self.received.append((rcpt.lower(), message))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SmtpServer:
    def __init__(self):
        self.handler = Handler()
        self.port = free_port()
        self.controller = None

    def start(self):
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def refuse(self, address: str, reply: str, times: int | None = 1):
        self.handler.refusals[address.lower()] = [reply, times]

    @property
    def received(self):
        return list(self.handler.received)

    def to(self, address: str) -> list:
        return [message for rcpt, message in self.received if rcpt == address.lower()]


@pytest.fixture
def smtp(settings):
    server = SmtpServer()
    server.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    yield server
    server.stop()


@pytest.fixture
def case(make_case):
    case = make_case(Evaluation.State.CONTACT_MADE)
    Message.objects.all().delete()  # what building the case wrote: not these tests' business
    return case
