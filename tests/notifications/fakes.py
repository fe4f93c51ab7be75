"""Test doubles for the SMS provider, selected by dotted path (`settings.SMS_PROVIDER`) like a real one."""

from __future__ import annotations

import threading

from backoffice.notifications.channels import SmsError, SmsProvider


class RecordingSmsProvider(SmsProvider):
    """Records every message; fails while `failures_left` > 0. Class-level so each new instance shares it."""

    sent: list[tuple[str, str]] = []
    calls = 0
    failures_left = 0
    hold: threading.Event | None = None  # when set, send() waits for it (to keep a row locked)
    entered = threading.Event()
    _lock = threading.Lock()

    @classmethod
    def reset(cls, *, failures: int = 0) -> None:
        cls.sent, cls.calls, cls.failures_left, cls.hold = [], 0, failures, None
        cls.entered = threading.Event()

    def send(self, phone: str, text: str) -> None:
        cls = type(self)
        with cls._lock:
            cls.calls += 1
            failing = cls.failures_left > 0
            if failing:
                cls.failures_left -= 1
        cls.entered.set()
        if cls.hold is not None:
            cls.hold.wait(timeout=10)
        if failing:
            raise SmsError("gateway says no")
        with cls._lock:
            cls.sent.append((phone, text))


PROVIDER = f"{__name__}.RecordingSmsProvider"
