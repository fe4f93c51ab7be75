"""How a notification leaves: e-mail through Django's mail backend, SMS through a provider.

A channel first names the recipient's address (`address_for`, which may read the database), then delivers
(`deliver`, which must not: it runs while the dispatcher holds the row and is free to fail). An empty
address means the notification cannot be delivered and is not retried; an exception from `deliver` is a
failure that is retried with back-off.

SMS providers (settings `SMS_PROVIDER`, environment `PM_SMS_PROVIDER`):
* `logging` (default): writes the message to the log; for laptops, demos and tests.
* `http`: POSTs `{"phone", "text", "sign"}` (the sender signature 签名 from `SMS_SIGN`) as JSON to `SMS_HTTP_URL` with
  `Authorization: Bearer <SMS_HTTP_TOKEN>`; any 2xx answer is success. A gateway in front of a Chinese
  SMS vendor (Aliyun, Tencent Cloud) speaks this easily; the vendors' own signed APIs need their SDKs.
* a dotted path to an `SmsProvider` subclass, for a vendor integration or a test double.

The phone is the one on the user's linked person record (`user.person.phone`), reached through attributes
so this app does not import `people`.
"""

from __future__ import annotations

import json
import logging
import urllib.request
from abc import ABC, abstractmethod
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import send_mail
from django.utils.module_loading import import_string

from .choices import NotificationChannel

logger = logging.getLogger(__name__)


class SmsError(Exception):
    """The provider did not accept the message."""


def mask_phone(phone: str) -> str:
    """13800138000 -> 138****8000, for logs."""
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 8 else "****"


class SmsProvider(ABC):
    @abstractmethod
    def send(self, phone: str, text: str) -> None:
        """Hand one message to the provider; raise on any failure (it is retried)."""


class LoggingSmsProvider(SmsProvider):
    """Sends nothing: logs the message (the default, so a laptop never texts anyone)."""

    def send(self, phone: str, text: str) -> None:
        sign = getattr(settings, "SMS_SIGN", "")
        logger.info("SMS to %s: %s%s", mask_phone(phone), f"【{sign}】" if sign else "", text)


class HttpSmsProvider(SmsProvider):
    """POSTs the message as JSON to a configured gateway URL (standard library only)."""

    def __init__(self, *, url: str, token: str = "", sign: str = "", timeout: float = 10.0):
        if urlsplit(url).scheme not in {"http", "https"}:
            raise SmsError(f"SMS_HTTP_URL must be an http(s) URL, not {url!r}")
        self.url, self.token, self.sign, self.timeout = url, token, sign, timeout

    def send(self, phone: str, text: str) -> None:
        payload = json.dumps({"phone": phone, "text": text, "sign": self.sign}, ensure_ascii=False)
        headers = {"Content-Type": "application/json; charset=utf-8", "Accept": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(  # noqa: S310 - the scheme is checked in __init__
            self.url, data=payload.encode("utf-8"), headers=headers, method="POST"
        )
        # urlopen raises HTTPError for 4xx/5xx, URLError or TimeoutError when the gateway is unreachable.
        with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
            if not 200 <= response.status < 300:
                raise SmsError(f"SMS gateway answered {response.status}")


def sms_provider() -> SmsProvider:
    """The configured provider, built at each use so a settings change (or a test) takes effect at once."""
    name = getattr(settings, "SMS_PROVIDER", "logging") or "logging"
    if name == "logging":
        return LoggingSmsProvider()
    if name == "http":
        return HttpSmsProvider(
            url=getattr(settings, "SMS_HTTP_URL", ""),
            token=getattr(settings, "SMS_HTTP_TOKEN", ""),
            sign=getattr(settings, "SMS_SIGN", ""),
            timeout=float(getattr(settings, "SMS_HTTP_TIMEOUT", 10)),
        )
    return import_string(name)()


def _person_attr(user: Any, name: str) -> str:
    return (getattr(getattr(user, "person", None), name, "") or "").strip()


class EmailChannel:
    code = NotificationChannel.EMAIL

    def address_for(self, user: Any) -> str:
        """The account's e-mail, else the e-mail on the person record."""
        return (getattr(user, "email", "") or "").strip() or _person_attr(user, "email")

    def deliver(self, *, address: str, subject: str, body: str) -> None:
        send_mail(subject, body, None, [address], fail_silently=False)


class SmsChannel:
    code = NotificationChannel.SMS

    def address_for(self, user: Any) -> str:
        return _person_attr(user, "phone")

    def deliver(self, *, address: str, subject: str, body: str) -> None:
        sms_provider().send(address, body)


CHANNELS: dict[str, EmailChannel | SmsChannel] = {
    NotificationChannel.EMAIL: EmailChannel(),
    NotificationChannel.SMS: SmsChannel(),
}


def channel_for(code: str) -> EmailChannel | SmsChannel:
    return CHANNELS[code]
