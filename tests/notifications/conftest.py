"""An owner with a phone and an e-mail address, and the recording SMS provider."""

from __future__ import annotations

import pytest

from .. import factories as f
from .fakes import PROVIDER, RecordingSmsProvider


@pytest.fixture
def sms(settings):
    settings.SMS_PROVIDER = PROVIDER
    settings.NOTIFICATION_MAX_ATTEMPTS = 3
    settings.NOTIFICATION_RETRY_MINUTES = [1, 5, 30]
    RecordingSmsProvider.reset()
    yield RecordingSmsProvider
    RecordingSmsProvider.reset()


@pytest.fixture
def owner(estate):
    person = f.make_person(estate, "业主甲", phone="13900000001")
    user = f.make_user({estate: ["owner"]}, username="owner_a", person=person)
    user.email = "owner@example.com"
    user.save(update_fields=["email"])
    return user


@pytest.fixture
def neighbour(estate):
    person = f.make_person(estate, "业主乙", phone="13900000002")
    return f.make_user({estate: ["owner"]}, username="owner_b", person=person)
