def test_health_without_auth(api):
    response = api.get("/api/v1/health/")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_create_estate_building_unit_person(api, admin_user, estate):
    api.as_user(admin_user)
    b = api.post("/api/v1/buildings/", {"estate": estate.id, "name": "1栋", "floors": 18})
    assert b.status_code == 201, b.json()
    u = api.post(
        "/api/v1/units/",
        {
            "building": b.json()["id"],
            "number": "1201",
            "floor": 12,
            "unit_type": "residential",
            "area": "89.50",
        },
    )
    assert u.status_code == 201, u.json()
    assert u.json()["label"] == "1栋-1201"
    p = api.post(
        "/api/v1/persons/", {"name": "李四", "phone": "13912345678", "id_number": "11010519491231002X"}
    )
    assert p.status_code == 201, p.json()
    assert p.json()["id_number"] == "1101**********002X"
    assert p.json()["phone"] == "+8613912345678"
