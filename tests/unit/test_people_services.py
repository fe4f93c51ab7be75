"""Unit tests of people services: identity numbers, encryption, and rules under concurrency."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection, connections

from backoffice.core import crypto
from backoffice.core.errors import ValidationFailed
from backoffice.people import selectors, services
from backoffice.people.models import Person, Tenancy

from .. import factories as f


@pytest.mark.django_db
def test_id_number_encrypted_indexed_and_masked(estate):
    person = services.person_create(
        actor=None,
        data={"estate": estate, "name": "张三", "phone": "138 0013 8000", "id_number": "11010519491231002x"},
    )
    row = Person.objects.get(pk=person.pk)
    assert "11010519491231002X" not in row.id_number_encrypted
    assert services.person_id_number(row) == "11010519491231002X"
    assert row.id_number_masked == "1101**********002X"
    assert row.phone == "+8613800138000"
    assert list(
        selectors.person_list_by_id_number(estate_ids=[estate.id], id_number=" 11010519491231002x ")
    ) == [row]
    assert list(selectors.person_list_by_id_number(estate_ids=[], id_number="11010519491231002X")) == []


@pytest.mark.django_db
def test_clearing_id_number(estate):
    person = f.make_person(estate, id_number=f.VALID_RIC[0])
    services.person_update(actor=None, person=person, changes={"id_number": ""})
    person.refresh_from_db()
    assert person.id_number_hmac == person.id_number_encrypted == person.id_number_masked == ""


def test_mask_short_values():
    assert crypto.mask("1234") == "****"
    assert crypto.mask("310104198805120019") == "3101**********0019"


def test_blind_index_is_keyed(settings):
    first = crypto.blind_index("X")
    crypto._hmac_key.cache_clear()
    settings.FIELD_HMAC_KEY = "another-key"
    try:
        assert crypto.blind_index("X") != first
    finally:
        crypto._hmac_key.cache_clear()


@pytest.mark.django_db
def test_lease_period_rules(estate):
    unit = f.make_unit(f.make_building(estate))
    tenant = f.make_person(estate)
    base = {"unit": unit, "person": tenant}
    services.tenancy_create(
        actor=None, data={**base, "start_date": dt.date(2025, 1, 1), "end_date": dt.date(2025, 6, 30)}
    )
    with pytest.raises(ValidationFailed) as refused:
        services.tenancy_create(
            actor=None, data={**base, "start_date": dt.date(2025, 3, 1), "end_date": dt.date(2025, 4, 1)}
        )
    assert refused.value.fields["start_date"][0]["code"] == "lease_overlap"
    with pytest.raises(ValidationFailed) as missing_end:
        services.tenancy_create(
            actor=None, data={**base, "start_date": dt.date(2026, 1, 1), "end_date": None}
        )
    assert missing_end.value.fields["end_date"][0]["code"] == "required"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_concurrent_overlapping_leases_only_one_wins():
    estate = f.make_estate("RACE")
    unit = f.make_unit(f.make_building(estate))
    tenants = [f.make_person(estate, f"租客{i}") for i in range(2)]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def lease(person):
        try:
            barrier.wait()
            services.tenancy_create(
                actor=None,
                data={
                    "unit": unit,
                    "person": person,
                    "start_date": dt.date(2026, 1, 1),
                    "end_date": dt.date(2026, 12, 31),
                },
            )
            outcomes.append("ok")
        except ValidationFailed as exc:
            outcomes.append(exc.fields["start_date"][0]["code"])
        finally:
            connections.close_all()

    threads = [threading.Thread(target=lease, args=(p,)) for p in tenants]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["lease_overlap", "ok"]
    assert Tenancy.objects.filter(unit=unit).count() == 1
