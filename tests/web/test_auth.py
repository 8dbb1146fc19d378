"""Signing in and out of the web UI: the session cookie, the rate limit, password change, the language switch."""

from __future__ import annotations

from datetime import timedelta

from reskontro.services import access
from reskontro.web.security import LANG_COOKIE, SESSION_COOKIE
from tests.api.conftest import other_company
from tests.builders import count
from tests.conftest import Ctx
from tests.web.conftest import PASSWORD, Web, new_user


def _cookie_header(response, name: str) -> str:  # type: ignore[no-untyped-def]
    found = [v for k, v in response.headers.multi_items() if k == "set-cookie" and v.startswith(f"{name}=")]
    assert found, f"no {name} cookie in {response.headers}"
    return found[-1]


def test_signing_in_sets_an_httponly_samesite_session_cookie_and_opens_the_company(web: Web) -> None:
    b = web.browser()
    page = b.get("/login")
    assert page.status_code == 200 and 'name="password"' in page.text
    response = b.post("/login", {"username": web.users["accountant"], "password": PASSWORD})
    assert response.status_code == 303
    cookie = _cookie_header(response, SESSION_COOKIE)
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie  # plain http (a developer's machine); see the https test
    start = b.get(response.headers["location"], follow_redirects=False)
    assert start.status_code == 303 and start.headers["location"] == f"/c/{web.cid}/"
    dashboard = b.get(f"/c/{web.cid}/")
    assert dashboard.status_code == 200
    assert web.users["accountant"] in dashboard.text


def test_over_https_the_cookies_are_secure(web: Web) -> None:
    b = web.browser(https=True)
    page = b.get("/login")
    assert "Secure" in _cookie_header(page, "reskontro_csrf")
    response = b.post("/login", {"username": web.users["accountant"], "password": PASSWORD})
    assert "Secure" in _cookie_header(response, SESSION_COOKIE)


def test_a_page_of_a_company_sends_a_stranger_to_the_login_page_and_back(web: Web) -> None:
    b = web.browser()
    target = f"/c/{web.cid}/customers?q=fjord"
    response = b.get(target, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Fc%2F" + str(web.cid) + "%2Fcustomers%3Fq%3Dfjord"
    b.get(response.headers["location"])
    signed = b.post("/login", {"username": web.users["read_only"], "password": PASSWORD, "next": target})
    assert signed.headers["location"] == target
    htmx = web.browser().get(target, headers={"HX-Request": "true"}, follow_redirects=False)
    assert htmx.status_code == 200 and htmx.headers["HX-Redirect"].startswith("/login?next=")


def test_the_login_never_redirects_off_the_site(web: Web) -> None:
    for evil in ("https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)"):
        b = web.browser()
        b.get("/login")
        response = b.post("/login", {"username": web.users["accountant"], "password": PASSWORD, "next": evil})
        assert response.headers["location"] == "/", evil


def test_a_wrong_password_shows_the_form_again_with_the_message_and_no_session(web: Web) -> None:
    b = web.browser()
    b.get("/login")
    response = b.post("/login", {"username": web.users["accountant"], "password": "not the password"})
    assert response.status_code == 401
    assert "Feil brukernavn eller passord." in response.text
    assert SESSION_COOKIE not in response.headers.get("set-cookie", "")
    assert "not the password" not in response.text


def test_five_failed_sign_ins_lock_the_name_for_five_minutes_across_web_and_api(web: Web) -> None:
    name = web.users["accountant"]
    b = web.browser()
    b.get("/login")
    for _ in range(3):
        assert b.post("/login", {"username": name, "password": "wrong"}).status_code == 401
    for _ in range(2):  # the API's sign-in shares the limiter when served together
        assert b.client.post("/auth/login", json={"username": name, "password": "wrong"}).status_code == 401
    locked = b.post("/login", {"username": name, "password": PASSWORD})
    assert locked.status_code == 429
    assert int(locked.headers["retry-after"]) == 300
    assert "For mange mislykkede innlogginger" in locked.text
    web.clock.now += 301
    assert b.post("/login", {"username": name, "password": PASSWORD}).status_code == 303


def test_signing_out_ends_the_session_even_for_a_copied_cookie(web: Web) -> None:
    b = web.sign_in("accountant")
    secret = b.client.cookies.get(SESSION_COOKIE)
    assert secret
    response = b.post("/logout")
    assert response.status_code == 303 and response.headers["location"] == "/login"
    assert "Max-Age=0" in _cookie_header(response, SESSION_COOKIE)
    thief = web.browser()
    thief.client.cookies.set(SESSION_COOKIE, secret)
    assert thief.get(web.url("/"), follow_redirects=False).status_code == 303


def test_an_expired_session_or_a_disabled_user_must_sign_in_again(web: Web) -> None:
    user = access.authenticate_password(uow=web.app.uow(), username=web.users["accountant"], password=PASSWORD)
    assert user is not None
    secret, _ = access.start_session(uow=web.app.uow(), user_id=user.user_id, lifetime=timedelta(seconds=-1))
    b = web.browser()
    b.client.cookies.set(SESSION_COOKIE, secret)
    assert b.get(web.url("/"), follow_redirects=False).status_code == 303

    live = web.sign_in("accountant")
    assert live.get(web.url("/")).status_code == 200
    access.set_disabled(uow=web.app.uow(), username=web.users["accountant"], disabled=True)
    assert live.get(web.url("/"), follow_redirects=False).status_code == 303


def test_changing_the_password_checks_the_current_one_and_ends_the_other_sessions(web: Web) -> None:
    name = web.users["accountant"]
    here, elsewhere = web.sign_in(name), web.sign_in(name)
    here.get("/account")
    wrong = here.post("/account/password", {"current_password": "nope", "new_password": "a new pass phrase",
                                            "confirm_password": "a new pass phrase"})
    assert wrong.status_code == 422
    assert "Nåværende passord er feil." in wrong.text and 'aria-invalid="true"' in wrong.text
    differ = here.post("/account/password", {"current_password": PASSWORD, "new_password": "a new pass phrase",
                                             "confirm_password": "another pass phrase"})
    assert differ.status_code == 422 and "De to nye passordene er ulike." in differ.text
    short = here.post("/account/password", {"current_password": PASSWORD, "new_password": "short",
                                            "confirm_password": "short"})
    assert short.status_code == 422 and "minst 10 tegn" in short.text
    done = here.post("/account/password", {"current_password": PASSWORD, "new_password": "a new pass phrase",
                                           "confirm_password": "a new pass phrase"})
    assert done.status_code == 200 and "Passordet er endret." in done.text
    assert here.get(web.url("/")).status_code == 200
    assert elsewhere.get(web.url("/"), follow_redirects=False).status_code == 303
    assert access.authenticate_password(uow=web.app.uow(), username=name, password="a new pass phrase") is not None
    assert access.authenticate_password(uow=web.app.uow(), username=name, password=PASSWORD) is None


def test_the_language_switch_is_kept_in_a_cookie_and_bokmal_is_the_default(web: Web) -> None:
    b = web.browser()
    assert '<html lang="nb">' in b.get("/login").text
    assert "Logg inn" in b.get("/login").text
    response = b.post("/lang", {"lang": "en", "next": "/login"})
    assert response.status_code == 303 and response.headers["location"] == "/login"
    assert "Max-Age=31536000" in _cookie_header(response, LANG_COOKIE)
    page = b.get("/login")
    assert '<html lang="en">' in page.text and "Sign in" in page.text and "Logg inn" not in page.text
    b.post("/lang", {"lang": "xx", "next": "https://evil.example/"})  # unknown: ignored; off-site: home
    assert '<html lang="en">' in b.get("/login").text


def test_the_company_switcher_lists_only_the_users_companies_and_the_start_page_picks_the_first(
        web: Web, ctx: Ctx) -> None:
    other = other_company(ctx, name="Aaa Første")
    stranger = other_company(ctx, name="Zzz Fremmed")
    name = web.users["accountant"]
    access.grant(uow=ctx.app.uow(), username=name, company_id=other, role="read_only")
    b = web.sign_in(name)
    page = b.get(web.url("/")).text
    assert f'href="/c/{other}/"' in page and f'href="/c/{web.cid}/"' in page
    assert f"/c/{stranger}/" not in page and "Zzz Fremmed" not in page
    assert b.get("/", follow_redirects=False).headers["location"] == f"/c/{other}/"  # "Aaa…" sorts first


def test_a_user_without_companies_lands_on_the_account_page(web: Web, ctx: Ctx) -> None:
    loner = new_user(ctx, None, None, prefix="loner")
    b = web.sign_in(loner)
    assert b.get("/", follow_redirects=False).headers["location"] == "/account"
    assert "ingen rolle i noe selskap" in b.get("/account").text


def test_sessions_are_not_audited_but_a_password_change_is(web: Web, ctx: Ctx) -> None:
    before = count(ctx, "audit_events")
    b = web.sign_in("accountant")
    b.post("/logout")
    assert count(ctx, "audit_events") == before
    b = web.sign_in("accountant")
    b.post("/account/password", {"current_password": PASSWORD, "new_password": "a new pass phrase",
                                 "confirm_password": "a new pass phrase"})
    assert count(ctx, "audit_events") == before + 1
