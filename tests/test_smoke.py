def test_login_page_renders(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert b"Sign in" in response.data
    assert "nonce-" in response.headers["Content-Security-Policy"]


def test_sign_in_and_out(cast, client, login):
    login(cast["leader_a"])
    home = client.get("/")
    assert home.status_code == 302 and home.headers["Location"] == "/my-plan"
    assert b"Leader A" in client.get("/my-plan").data
    login(cast["hr"])
    assert client.get("/").headers["Location"] == "/hr/attention"  # HR lands on Needs attention
    client.post("/logout")
    assert client.get("/").status_code == 302
