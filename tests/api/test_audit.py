"""Every change to master data leaves an audit entry (who, when, before, after), readable by admins."""

from __future__ import annotations

from backoffice.core.models import AuditEntry

from .. import factories as f


def test_create_update_delete_are_audited(api, estate, admin_user):
    api.as_user(admin_user)
    building = api.post("/api/v1/buildings/", {"estate": estate.id, "name": "8栋", "floors": 12}).json()
    api.patch(f"/api/v1/buildings/{building['id']}/", {"floors": 15})
    api.delete(f"/api/v1/buildings/{building['id']}/")

    entries = list(
        AuditEntry.objects.filter(object_type="estates.building", object_id=str(building["id"])).order_by(
            "id"
        )
    )
    assert [e.action for e in entries] == ["create", "update", "delete"]
    assert all(e.actor_id == admin_user.id and e.estate_id == estate.id for e in entries)
    assert entries[0].before is None and entries[0].after["floors"] == 12
    assert entries[1].before["floors"] == 12 and entries[1].after["floors"] == 15
    assert entries[2].after is None

    listed = api.get("/api/v1/audit-entries/", {"object_type": "estates.building"}).json()
    assert listed["count"] == 3
    assert listed["results"][0]["actor"] == admin_user.username


def test_audit_never_holds_clear_id_numbers(api, estate, admin_user):
    api.as_user(admin_user)
    api.post("/api/v1/persons/", {"name": "张三", "phone": "13800138000", "id_number": f.VALID_RIC[2]})
    entry = AuditEntry.objects.get(object_type="people.person")
    assert f.VALID_RIC[2] not in str(entry.after)
    assert entry.after["id_number_masked"] == "1101**********4477"


def test_unchanged_save_writes_no_entry(api, estate, admin_user):
    api.as_user(admin_user)
    building = api.post("/api/v1/buildings/", {"estate": estate.id, "name": "8栋", "floors": 12}).json()
    count = AuditEntry.objects.count()
    api.patch(f"/api/v1/buildings/{building['id']}/", {"floors": 12})
    assert AuditEntry.objects.count() == count


def test_audit_is_scoped_to_estates(api, estate, other_estate, admin_user):
    f.make_building(other_estate)
    stranger_admin = f.make_user({other_estate: ["admin"]})
    api.as_user(stranger_admin)
    api.post("/api/v1/buildings/", {"estate": other_estate.id, "name": "X", "floors": 3})
    api.as_user(admin_user)
    rows = api.get("/api/v1/audit-entries/", {"object_type": "estates.building"}).json()["results"]
    assert rows == []
