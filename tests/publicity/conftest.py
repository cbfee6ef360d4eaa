"""A DingTalk robot on a real local HTTP server (http.server in a thread), standing in for
oapi.dingtalk.com: it checks each request's signature the way DingTalk does and answers what the
test scripts (ok, a 500, a hang longer than the client's timeout, a refusal)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from accounts import services as account_services
from accounts.periods import CHINA_TZ
from accounts.selectors import policy_for_organisation
from evaluations.grading.models import QuarterState
from tests.factories import AppraisalQuarterFactory

ROBOT_SECRET = "SEC0123456789abcdef-test-secret"

# When the feedback tests' quarter was locked: Wednesday 30 September 2026.
LOCKED_AT = datetime(2026, 9, 30, 15, 0, tzinfo=CHINA_TZ)


@pytest.fixture
def quarter(organisation):
    """2026 Q3, approved and locked at ``LOCKED_AT`` (a module that needs another quarter defines its own)."""
    return AppraisalQuarterFactory(
        organisation=organisation, year=2026, quarter=3, state=QuarterState.APPROVED, locked_at=LOCKED_AT
    )


@dataclass
class Robot:
    url: str
    secret: str
    # What to answer next, one entry per request: "ok", "refuse", "hang" or an HTTP status (500).
    script: list = field(default_factory=list)
    received: list[dict] = field(default_factory=list)
    hang_seconds: float = 2.0

    def expect(self, *answers) -> None:
        self.script.extend(answers)

    def signature_ok(self, query: dict) -> bool:
        try:
            timestamp, sign = query["timestamp"][0], query["sign"][0]
        except (KeyError, IndexError):
            return False
        # DingTalk refuses a timestamp more than an hour away from its clock.
        if abs(int(timestamp) - time.time() * 1000) > 3600 * 1000:
            return False
        digest = hmac.new(self.secret.encode(), f"{timestamp}\n{self.secret}".encode(), hashlib.sha256).digest()
        # parse_qs has already URL-decoded the parameter once: it is the base64 text.
        return hmac.compare_digest(sign, base64.b64encode(digest).decode())


def _handler(robot: Robot):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):  # keep the test output quiet
            pass

        def do_POST(self):
            parts = urlsplit(self.path)
            query = parse_qs(parts.query)
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))).decode())
            signed = robot.signature_ok(query)
            robot.received.append({"path": parts.path, "query": query, "body": body, "signed": signed})
            answer = robot.script.pop(0) if robot.script else "ok"
            if answer == "hang":
                time.sleep(robot.hang_seconds)
                answer = "ok"
            if isinstance(answer, int):
                self.send_response(answer)
                self.end_headers()
                self.wfile.write(b"server error")
                return
            if not signed:
                payload = {"errcode": 310000, "errmsg": "sign not match"}
            elif answer == "refuse":
                payload = {"errcode": 300001, "errmsg": "token is not exist"}
            else:
                payload = {"errcode": 0, "errmsg": "ok"}
            data = json.dumps(payload).encode()
            try:
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):  # the client gave up (its timeout)
                pass

    return Handler


@pytest.fixture
def robot(settings):
    server = ThreadingHTTPServer(("127.0.0.1", 0), None)
    robot = Robot(url=f"http://127.0.0.1:{server.server_port}/robot/send?access_token=test-token", secret=ROBOT_SECRET)
    # The installation's list of robot addresses names this one, as a 专有钉钉's would name its own.
    settings.DINGTALK_WEBHOOK_PREFIXES = [
        *settings.DINGTALK_WEBHOOK_PREFIXES,
        f"http://127.0.0.1:{server.server_port}/",
    ]
    server.RequestHandlerClass = _handler(robot)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield robot
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def dingtalk_configured(organisation, robot, settings):
    """The organisation's policy points at the local robot, with its secret; a short client timeout."""
    settings.DINGTALK_TIMEOUT_SECONDS = 0.5
    policy = policy_for_organisation(organisation_id=organisation.pk)
    policy.dingtalk_webhook_url = robot.url
    account_services.policy_update(policy=policy, dingtalk_secret=robot.secret)
    return policy
