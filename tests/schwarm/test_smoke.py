def test_login_page_renders(client, users):
    users.make("anna")
    response = client.get("/login")
    assert response.status_code == 200
    assert b"Sign in" in response.data
