"""Helpers for the mail and webhook tests: outbox payloads and items, a real SMTP server, a real webhook server."""

from __future__ import annotations

import copy
import socket
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Dict, List, Optional, Tuple

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from registrations.store import OutboxItem

SENDER = "Digital Hub Brussels <inscriptions@hub.example>"
SENDER_ADDRESS = "inscriptions@hub.example"
PERSON = {"first_name": "Amina", "last_name": "El Idrissi", "email": "amina@example.org", "phone": "+32470123456"}
# What personal data looks like in these tests: none of it may reach a log line or an error message.
PERSONAL = ("amina", "idrissi", "470123456", "example.org")
# The hub as the catalogue returns it (catalogue_sync.read.Catalogue.organisation()).
ORGANISATION = {
    "id": 1,
    "name": "Digital Hub Brussels",
    "phone": "+32 2 555 48 20",
    "email": "info@hub.example",
    "address": "Rue des Pixels 24, 1000 Bruxelles",
    "website": "https://www.hub.example",
    "opening_hours_fr": "Du lundi au vendredi de 9 h à 17 h.",
    "opening_hours_nl": "Van maandag tot vrijdag van 9 tot 17 uur.",
}
SESSION = {
    "id": "dh-webdev-is2",
    "course_id": "dh-webdev",
    "course_title": {"fr": "Développeur·euse web full stack", "nl": "Full-stack webontwikkelaar"},
    "starts_at": "2027-01-12T18:00:00+01:00",
    "ends_at": "2027-01-12T19:00:00+01:00",
    "location": "Digital Hub Brussels, Rue des Pixels 24, 1000 Bruxelles — salle 1.02",
    "format": "onsite",
    "language": "fr",
}
STATUSES = {
    "booking_confirmed": "confirmed", "waitlist_joined": "waiting", "promoted": "confirmed",
    "booking_cancelled": "cancelled", "reminder": "confirmed", "session_cancelled": "confirmed",
    "session_moved": "confirmed",
}


def free_port() -> int:
    """A TCP port nobody listens on right now, on loopback (aiosmtpd cannot be given port 0)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_payload(event: str = "booking_confirmed", language: str = "fr", reference: str = "K7P2QX",
                 kind: str = "email", session: Optional[dict] = None, **changes) -> dict:
    """An outbox payload as the contract describes it (a private copy a test may change)."""
    payload = {
        "event": event,
        "idempotency_key": f"{event}:{reference}:{kind}",
        "occurred_at": "2026-12-02T09:15:00+00:00",
        "reference": reference,
        "status": STATUSES[event],
        "language": language,
        "person": copy.deepcopy(PERSON),
        "session": {**copy.deepcopy(SESSION), **(session or {})},
    }
    if event == "waitlist_joined":
        payload["waiting_position"] = 3
    if event == "session_moved":
        payload["previous_starts_at"] = "2027-01-05T18:00:00+01:00"
    payload.update(changes)
    return payload


def make_item(payload: dict, kind: str = "email", attempts: int = 0, item_id: int = 1) -> OutboxItem:
    """The outbox item the sender would claim for this payload."""
    return OutboxItem(id=item_id, kind=kind, event=payload["event"], idempotency_key=payload["idempotency_key"],
                      payload=payload, attempts=attempts)


@dataclass
class Received:
    """One mail as the SMTP server got it."""

    mail_from: str
    rcpt_tos: List[str]
    data: bytes


@dataclass
class SmtpSink:
    """A real SMTP server (aiosmtpd) on 127.0.0.1 that keeps what it receives.

    Attributes:
        port: Where it listens once started.
        received: Every mail accepted, in order.
        refuse: Recipient address -> the SMTP answer to RCPT ("550 5.1.1 <a@b>: no such user").
        login: (user, password) the server requires, or None for no AUTH.
    """

    port: int
    received: List[Received] = field(default_factory=list)
    refuse: Dict[str, str] = field(default_factory=dict)
    login: Optional[Tuple[str, str]] = None
    _controller: Optional[Controller] = None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted for delivery"

    def _authenticate(self, server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword) and self.login is not None
              and (auth_data.login.decode(), auth_data.password.decode()) == self.login)
        return AuthResult(success=ok, handled=False)  # handled=False: the server answers 535 itself

    def start(self) -> "SmtpSink":
        """Starts listening on `port` (returns once it accepts connections)."""
        options = {}
        if self.login:
            # Plain SMTP on loopback in tests: AUTH without TLS must be allowed explicitly.
            options = {"authenticator": self._authenticate, "auth_require_tls": False, "auth_required": True}
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port, **options)
        self._controller.start()
        return self

    def stop(self) -> None:
        """Stops listening (nothing accepts connections on `port` afterwards)."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


@dataclass
class WebhookServer:
    """A real HTTP server on 127.0.0.1 that answers POSTs with the statuses it is given, in turn.

    Attributes:
        url: Its base URL once started.
        statuses: Status of each next answer; the last one repeats.
        headers: Extra headers of every answer (e.g. Retry-After).
        requests: (headers, body bytes) of every request received.
        hang: Answer nothing until stopped (a backend that does not answer).
    """

    statuses: List[int] = field(default_factory=lambda: [200])
    headers: Dict[str, str] = field(default_factory=dict)
    requests: List[Tuple[Dict[str, str], bytes]] = field(default_factory=list)
    hang: bool = False
    url: str = ""
    _httpd: Optional[ThreadingHTTPServer] = None
    _release: threading.Event = field(default_factory=threading.Event)

    def start(self) -> "WebhookServer":
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                server.requests.append((dict(self.headers), body))
                if server.hang:
                    server._release.wait(20)
                    return
                status = server.statuses.pop(0) if len(server.statuses) > 1 else server.statuses[0]
                answer = b'{"ok": true}' if status < 300 else b'{"error": "test"}'
                self.send_response(status)
                for name, value in server.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}/registrations/events"
        threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
        return self

    def stop(self) -> None:
        self._release.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
