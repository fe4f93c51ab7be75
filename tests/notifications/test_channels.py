"""SMS providers (logging, HTTP against a real local server) and the templates in both languages."""

from __future__ import annotations

import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from backoffice.notifications import channels, templates
from backoffice.notifications.services import notification_queue


class Gateway:
    """A local HTTP server standing in for an SMS gateway; answers `status` and records the requests."""

    def __init__(self):
        self.requests: list[dict] = []
        self.status = 200
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers["Content-Length"])
                gateway.requests.append(
                    {
                        "path": self.path,
                        "headers": dict(self.headers),
                        "json": json.loads(self.rfile.read(length).decode("utf-8")),
                    }
                )
                self.send_response(gateway.status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"ok": true}')

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/sms/send"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def gateway(settings):
    with Gateway() as running:
        settings.SMS_PROVIDER = "http"
        settings.SMS_HTTP_URL = running.url
        settings.SMS_HTTP_TOKEN = "s3cret"
        settings.SMS_SIGN = "阳光物业"
        settings.SMS_HTTP_TIMEOUT = 5
        yield running


def test_http_provider_posts_json_with_the_token(gateway):
    channels.sms_provider().send("+8613900000001", "您的报修已完成。")
    [request] = gateway.requests
    assert request["path"] == "/sms/send"
    assert request["headers"]["Authorization"] == "Bearer s3cret"
    assert request["headers"]["Content-Type"].startswith("application/json")
    assert request["json"] == {"phone": "+8613900000001", "text": "您的报修已完成。", "sign": "阳光物业"}


@pytest.mark.django_db
def test_gateway_error_is_a_retried_failure(gateway, owner, django_capture_on_commit_callbacks):
    gateway.status = 503
    with django_capture_on_commit_callbacks(execute=True):
        notification = notification_queue(
            recipient=owner, channel="sms", template="generic", context={"body": "停水通知"}
        )
    notification.refresh_from_db()
    assert (notification.status, notification.attempts) == ("failed", 1)
    assert notification.next_attempt_at is not None
    assert notification.last_error.startswith("HTTPError: HTTP Error 503")
    assert len(gateway.requests) == 1


def test_unreachable_gateway_raises(settings):
    settings.SMS_PROVIDER = "http"
    settings.SMS_HTTP_URL = "http://127.0.0.1:9/"  # discard port: nothing listens
    settings.SMS_HTTP_TIMEOUT = 2
    with pytest.raises(OSError):
        channels.sms_provider().send("+8613900000001", "x")


def test_http_provider_refuses_other_schemes(settings):
    settings.SMS_PROVIDER = "http"
    settings.SMS_HTTP_URL = "file:///etc/passwd"
    with pytest.raises(channels.SmsError):
        channels.sms_provider()


def test_logging_provider_logs_a_masked_phone(settings, caplog):
    settings.SMS_PROVIDER = "logging"
    settings.SMS_SIGN = "阳光物业"
    with caplog.at_level(logging.INFO, logger="backoffice.notifications.channels"):
        channels.sms_provider().send("+8613900000001", "您好")
    assert caplog.messages == ["SMS to +86****0001: 【阳光物业】您好"]


@pytest.mark.parametrize(
    ("code", "subject_zh", "subject_en"),
    [
        ("work_order.accepted", "报修 WO-9 已受理", "Repair request WO-9 accepted"),
        ("work_order.assigned", "报修 WO-9 已派工", "Technician assigned to repair WO-9"),
        ("work_order.done", "报修 WO-9 已完成", "Repair WO-9 completed"),
        ("work_order.confirm_request", "请确认报修 WO-9", "Please confirm repair WO-9"),
        ("work_order.escalated", "报修 WO-9 已升级", "Repair WO-9 escalated"),
        ("maintenance.due", "设备保养到期：1号电梯", "Maintenance due: 1号电梯"),
        ("generic", "WO-9", "WO-9"),
    ],
)
def test_every_template_renders_in_both_languages(code, subject_zh, subject_en):
    template = templates.template_get(code)
    context = {"number": "WO-9", "unit": "1-101", "technician": "李师傅", "equipment": "1号电梯"}
    context |= {"title": "季度保养", "location": "1栋", "due": "2026-12-31", "subject": "WO-9", "body": "b"}
    zh_subject, zh_body = templates.render(template, context, language="zh-hans")
    en_subject, en_body = templates.render(template, context, language="en")
    assert (zh_subject, en_subject) == (subject_zh, subject_en)
    assert "{" not in zh_body and "{" not in en_body
    if code != "generic":
        assert zh_body != en_body


def test_missing_values_render_empty():
    subject, body = templates.render(
        templates.template_get("maintenance.due"), {"equipment": "水泵"}, language="zh-hans"
    )
    assert subject == "设备保养到期：水泵"
    assert body == "水泵的保养计划“”将于  到期。"
