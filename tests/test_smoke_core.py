def test_health_needs_no_token(client):
    response = client.get("/api/v1/health")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_partner_roundtrip(api):
    created = api.as_("accountant").post("/partners", json={"name": "Acme", "email": "a@acme.test"})
    assert created.status_code == 201, created.get_json()
    assert api.get(f"/partners/{created.get_json()['id']}").get_json()["name"] == "Acme"
