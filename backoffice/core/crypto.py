"""Encryption at rest and blind indexes for personal identifiers (身份证号, 统一社会信用代码).

The clear value is encrypted with Fernet (AES-128-CBC + HMAC-SHA256); an HMAC-SHA256 of the normalised value
is stored beside it so an exact lookup is an index lookup without decrypting anything.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


def _derived_key(purpose: str) -> bytes:
    return hashlib.sha256(f"{purpose}:{settings.SECRET_KEY}".encode()).digest()


@lru_cache(maxsize=1)
def _fernet() -> MultiFernet:
    keys = list(settings.FIELD_ENCRYPTION_KEYS) or [
        base64.urlsafe_b64encode(_derived_key("field-encryption")).decode()
    ]
    return MultiFernet([Fernet(key.encode() if isinstance(key, str) else key) for key in keys])


@lru_cache(maxsize=1)
def _hmac_key() -> bytes:
    return settings.FIELD_HMAC_KEY.encode() if settings.FIELD_HMAC_KEY else _derived_key("field-hmac")


def encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:  # a key was lost or rotated away: never show garbage
        raise ValueError("cannot decrypt value with the configured keys") from exc


def blind_index(value: str) -> str:
    """HMAC of an already normalised identifier; equal inputs give equal outputs."""
    return hmac.new(_hmac_key(), value.encode(), hashlib.sha256).hexdigest()


def mask(value: str, *, keep_start: int = 4, keep_end: int = 4) -> str:
    """`110101199003077777` -> `1101**********7777`."""
    if len(value) <= keep_start + keep_end:
        return "*" * len(value)
    return value[:keep_start] + "*" * (len(value) - keep_start - keep_end) + value[-keep_end:]
