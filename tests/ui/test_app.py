"""`iopdir ui`'s app with Starlette's TestClient: filters, decisions, CSRF refusals, a busy database, escaping."""

import re
import subprocess
import sys
import warnings
from collections.abc import Iterator
from html import unescape
from pathlib import Path
from typing import Any

import pytest

from flows.ui.app import allowed_hosts, create_app
from pipeline.store.connection import connect
from tests.ui.ui_data import EVIL, HOLD, build_ui_db

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # Starlette's notice that it prefers httpx2 over httpx
    from starlette.testclient import TestClient

HOST = "testserver"
ORIGIN = {"origin": f"http://{HOST}"}


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return build_ui_db(tmp_path / "ui.duckdb")


@pytest.fixture
def client(db: Path) -> Iterator[TestClient]:
    with TestClient(create_app(db, "ana", (HOST,))) as test_client:
        yield test_client


def _flags(db: Path, where: str = "active") -> dict[str, dict[str, Any]]:
    con = connect(db, read_only=True)
    try:
        rows = con.execute(f"SELECT flag_id, name, state, status, review_note, reviewer FROM flags WHERE {where}")
        columns = [d[0] for d in rows.description or []]
        return {r[1]: dict(zip(columns, r, strict=True)) for r in rows.fetchall()}
    finally:
        con.close()


def _form(client: TestClient, flag_id: str, decision: str, note: str, back: str = "") -> dict[str, str]:
    token = client.app.state.review.token  # type: ignore[attr-defined]
    return {"csrf": token, "flag_id": flag_id, "decision": decision, "note": note, "back": back}


def _shown(text: str) -> list[str]:
    """The flag ids of the page's flag rows."""
    return re.findall(r'<tr [^>]*id="flag-([0-9a-f-]+)"', text)


def test_filters_are_query_parameters(client: TestClient, db: Path) -> None:
    flags = _flags(db)
    page = client.get("/")
    assert page.status_code == 200 and len(_shown(page.text)) == len(flags)
    assert page.headers["content-security-policy"].startswith("default-src 'none'")
    in_ca = client.get("/?state=ca").text
    assert sorted(_shown(in_ca)) == sorted(f["flag_id"] for f in flags.values() if f["state"] == "CA")
    assert '<option value="CA" selected>' in in_ca
    php = client.get("/?rule=php_as_iop&state=VA").text
    assert _shown(php) == [flags["Hope IOP"]["flag_id"]]
    assert _shown(client.get("/?source=elsewhere").text) == []
    assert _shown(client.get("/?confidence=unknown").text) == []
    # The map's tiles and the rule-by-confidence cells are links to filtered views, keeping the other filters.
    assert 'href="/?state=MN&amp;rule=php_as_iop"' in php
    assert re.search(r'href="/\?state=VA&amp;rule=iop_below_floor&amp;confidence=\w+"', php)


def test_a_decision_redirects_to_the_filtered_view_with_a_flash_line(client: TestClient, db: Path) -> None:
    flag_id = _flags(db)["Lake IOP"]["flag_id"]
    answer = client.post(
        "/review",
        data=_form(client, flag_id, "dismissed", "Checked: 4 h is the aftercare group", "?state=MN"),
        headers=ORIGIN,
        follow_redirects=False,
    )
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/?state=MN&flash=")
    page = client.get(answer.headers["location"]).text
    assert f"Recorded: flag {flag_id} dismissed by ana" in page and "4 h is the aftercare group" in page
    assert flag_id not in _shown(page)  # dismissed flags leave the open view ...
    assert flag_id in _shown(client.get("/?state=MN&status=dismissed").text)  # ... and show under their status
    assert _flags(db)["Lake IOP"] | {"flag_id": None} == {
        "flag_id": None, "name": "Lake IOP", "state": "MN", "status": "dismissed",
        "review_note": "Checked: 4 h is the aftercare group", "reviewer": "ana",
    }  # fmt: skip
    assert "flash=" not in client.get(answer.headers["location"]).text  # a flash line shows once


def test_an_empty_note_is_refused_with_a_message_and_nothing_is_written(client: TestClient, db: Path) -> None:
    flag_id = _flags(db)["Low IOP"]["flag_id"]
    answer = client.post("/review", data=_form(client, flag_id, "confirmed", "   "), headers=ORIGIN)
    assert answer.status_code == 400
    assert "Your decision was NOT saved: a review needs a note saying why" in answer.text
    assert 'name="flag_id" value="' + flag_id in answer.text  # the form again, to send once more
    assert _flags(db)["Low IOP"]["status"] == "open"


@pytest.mark.parametrize(
    ("headers", "token"),
    [
        ({"origin": "https://evil.example"}, True),  # another site, with a stolen token even
        ({"referer": "http://evil.example/page"}, True),
        ({}, True),  # neither Origin nor Referer
        (ORIGIN, False),  # the wrong token
        ({"origin": f"http://{HOST}", "host": "evil.example"}, True),  # a rebinding site's Host
    ],
)
def test_cross_site_posts_are_refused(client: TestClient, db: Path, headers: dict[str, str], token: bool) -> None:
    form = _form(client, _flags(db)["Low IOP"]["flag_id"], "dismissed", "forged")
    if not token:
        form["csrf"] = "guessed"
    answer = client.post("/review", data=form, headers=headers, follow_redirects=False)
    assert answer.status_code == 403
    assert _flags(db)["Low IOP"]["status"] == "open"


def test_a_referer_of_this_server_is_enough(client: TestClient, db: Path) -> None:
    flag_id = _flags(db)["Low IOP"]["flag_id"]
    answer = client.post(
        "/review", data=_form(client, flag_id, "confirmed", "ok"), headers={"referer": f"http://{HOST}/?state=VA"},
        follow_redirects=False,
    )  # fmt: skip
    assert answer.status_code == 303 and _flags(db)["Low IOP"]["status"] == "confirmed"


def test_a_busy_database_says_the_decision_was_not_saved(client: TestClient, db: Path) -> None:
    flag_id = _flags(db)["Hope IOP"]["flag_id"]
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(db)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout and holder.stdout.readline().strip() == "holding"
        answer = client.post(
            "/review", data=_form(client, flag_id, "confirmed", "20 h: PHP", "?state=VA"), headers=ORIGIN
        )
        assert answer.status_code == 503
        assert "The database is busy" in answer.text and "Your decision was NOT saved; try again." in answer.text
        assert ">20 h: PHP</textarea>" in answer.text  # the note is kept in the form to send again
        page = client.get("/")
        assert page.status_code == 503 and "is busy" in page.text
    finally:
        assert holder.stdin
        holder.stdin.close()
        holder.wait(timeout=30)
    assert _flags(db)["Hope IOP"]["status"] == "open"  # nothing half-written
    again = client.post("/review", data=_form(client, flag_id, "confirmed", "20 h: PHP"), headers=ORIGIN)
    assert again.status_code == 200 and "Recorded: flag" in again.text  # followed the redirect
    assert _flags(db)["Hope IOP"]["status"] == "confirmed"


def test_hostile_text_from_the_web_and_in_notes_is_escaped(client: TestClient, db: Path) -> None:
    flag_id = _flags(db)[EVIL]["flag_id"]
    page = client.get("/?state=CA").text
    assert "<script>" not in page and "Evil &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; Sons IOP" in page
    note = '"><img src=x onerror=alert(1)> </textarea><script>alert(2)</script>'
    client.post("/review", data=_form(client, flag_id, "dismissed", note, '?state="><script>'), headers=ORIGIN)
    page = client.get("/?status=dismissed").text
    assert "<script>" not in page and "<img" not in page
    assert unescape(note.strip()) in unescape(page)
    # A hostile filter value comes back only URL-encoded in the links, never as markup.
    echoed = client.get('/?rule="><script>alert(3)</script>').text
    assert "<script>" not in echoed and "rule=%22%3E%3Cscript%3E" in echoed


def test_the_host_check_lets_the_loopback_names_in() -> None:
    assert allowed_hosts("127.0.0.1", 8765) == ("127.0.0.1:8765", "[::1]:8765", "localhost:8765")
    assert allowed_hosts("192.0.2.7", 9000) == ("192.0.2.7:9000",)
    assert allowed_hosts("0.0.0.0", 9000) == ()  # any Host; Origin must still be the Host asked for


def test_on_a_wildcard_address_origin_must_equal_host(db: Path) -> None:
    with TestClient(create_app(db, "ana", allowed_hosts("0.0.0.0", 80))) as client:
        form = _form(client, _flags(db)["Low IOP"]["flag_id"], "dismissed", "n")
        other = {"host": "192.0.2.7", "origin": "http://evil.example"}
        assert client.post("/review", data=form, headers=other, follow_redirects=False).status_code == 403
        same = {"host": "192.0.2.7", "origin": "http://192.0.2.7"}
        assert client.post("/review", data=form, headers=same, follow_redirects=False).status_code == 303
