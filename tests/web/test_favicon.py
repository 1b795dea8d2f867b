"""The site's icon: linked from every page, and answered where browsers look by default."""

from __future__ import annotations

LINK = '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">'


def test_favicon_ico_answers_with_the_sites_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    assert response.data == client.get("/static/favicon.svg").data
    assert response.data.startswith(b"<svg") and b"<title>digest</title>" in response.data


def test_every_audience_links_the_icon(client):
    for path in ("/", "/admin/login", "/no-such-page"):
        assert LINK in client.get(path).get_data(as_text=True)
