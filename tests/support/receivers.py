"""Real receivers on loopback for the alert tests: an SMTP server (aiosmtpd) that keeps what
it was sent, and a webhook receiver (http.server in a thread) that checks the HMAC
signature and can be told to fail."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from harness.servers import free_port


class MailBox:
    """aiosmtpd's handler: every message accepted, parsed, kept in order."""

    def __init__(self):
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m, (_f, rcpts) in zip(self.messages, self.envelopes, strict=True)
                if address in rcpts]


class SmtpServer:
    def __init__(self):
        from aiosmtpd.controller import Controller

        self.mailbox = MailBox()
        self.port = free_port()
        self._controller_class = Controller
        self.controller = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> SmtpServer:
        """Start (or start again, on the same port, keeping what was received)."""
        self.controller = self._controller_class(self.mailbox, hostname="127.0.0.1",
                                                 port=self.port, ready_timeout=10)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


class WebhookReceiver:
    """Answers 2xx to correctly signed POSTs (and remembers them), 401 to bad signatures,
    and ``fail_next`` times 503 first (a receiver that is down)."""

    def __init__(self, secret: str):
        self.secret = secret
        self.received: list[dict] = []
        self.headers: list[dict] = []
        self.rejected = 0
        self.fail_next = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if receiver.fail_next > 0:
                    receiver.fail_next -= 1
                    return self._answer(503, b"down for maintenance")
                timestamp = self.headers.get("X-Suara-Timestamp", "")
                expected = "sha256=" + hmac.new(receiver.secret.encode(),
                                                timestamp.encode() + b"." + body,
                                                hashlib.sha256).hexdigest()
                if not hmac.compare_digest(expected, self.headers.get("X-Suara-Signature", "")):
                    receiver.rejected += 1
                    return self._answer(401, b"bad signature")
                receiver.received.append(json.loads(body))
                receiver.headers.append(dict(self.headers))
                return self._answer(200, b"ok")

            def _answer(self, status: int, body: bytes):
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):  # keep test output quiet
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks/suara"

    def start(self) -> WebhookReceiver:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
