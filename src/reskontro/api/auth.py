"""Sign-in and sign-out, who am I, and my companies."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from reskontro.api.deps import CurrentPrincipal, get_app, presented_token
from reskontro.api.errors import RateLimited, Unauthorized
from reskontro.api.openapi import problems
from reskontro.api.ratelimit import LoginLimiter
from reskontro.api.schemas import CompanyOut, LoginIn, MeOut, TokenOut
from reskontro.bootstrap import App
from reskontro.domain.access import Principal
from reskontro.services import access, companies, listings

router = APIRouter(tags=["auth"])

#: How long a token from ``POST /auth/login`` lives.
LOGIN_TOKEN_LIFETIME = timedelta(hours=12)


def _limiter(request: Request) -> LoginLimiter:
    limiter: LoginLimiter = request.app.state.login_limiter
    return limiter


@router.post("/auth/login", response_model=TokenOut, summary="Sign in with user name and password",
             responses=problems(400, 401, 422, 429))
def login(body: LoginIn, request: Request, app: Annotated[App, Depends(get_app)]) -> TokenOut:
    """Check the password and issue an API token named ``login`` that expires after 12 hours.

    After 5 failed attempts for a user name, or from one client address, within 5 minutes, further
    attempts are refused with 429 and ``Retry-After`` until the oldest failure is 5 minutes old.
    """
    limiter = _limiter(request)
    username = body.username.strip().lower()
    keys = [f"user:{username}", f"ip:{request.client.host if request.client else 'unknown'}"]
    wait = limiter.retry_after(keys)
    if wait is not None:
        raise RateLimited(f"too many failed sign-ins; try again in {wait} seconds", retry_after=wait)
    who = access.authenticate_password(uow=app.uow(), username=username, password=body.password)
    if who is None:
        limiter.failed(keys)
        raise Unauthorized("wrong user name or password")
    limiter.succeeded(keys[0])
    expires = datetime.now(UTC) + LOGIN_TOKEN_LIFETIME
    token_id, token = access.issue_token(uow=app.uow(actor=who.username), username=who.username, name="login",
                                         expires_at=expires)
    return TokenOut(token=token, token_id=token_id, expires_at=expires, username=who.username)


@router.post("/auth/logout", status_code=204, response_class=Response, summary="Revoke the token you sent",
             responses=problems(401))
def logout(principal: CurrentPrincipal, token: Annotated[str, Depends(presented_token)],
           app: Annotated[App, Depends(get_app)]) -> Response:
    """Revoke the bearer token of this request; it stops working at once. Other tokens are untouched."""
    token_id = listings.presented_token_id(uow=app.uow(readonly=True), token=token)
    if token_id is None:
        raise Unauthorized("the token is unknown, expired or revoked")
    access.revoke_token(uow=app.uow(actor=principal.username), username=principal.username, token_id=token_id)
    return Response(status_code=204)


def _companies(app: App, principal: Principal) -> list[CompanyOut]:
    found = companies.list_companies(uow=app.uow(readonly=True))
    out = []
    for c in found:
        role = principal.role_in(c.company_id)
        if role is not None:
            out.append(CompanyOut(company_id=c.company_id, name=c.name, org_number=c.org_number, currency=c.currency,
                                  role=role.value))
    return out


@router.get("/me", response_model=MeOut, summary="Who you are signed in as", responses=problems(401))
def me(principal: CurrentPrincipal, app: Annotated[App, Depends(get_app)]) -> MeOut:
    """The signed-in user and their role in each company."""
    return MeOut(user_id=principal.user_id, username=principal.username, companies=_companies(app, principal))


@router.get("/companies", response_model=list[CompanyOut], tags=["companies"], summary="Your companies",
            responses=problems(401))
def list_companies(principal: CurrentPrincipal, app: Annotated[App, Depends(get_app)]) -> list[CompanyOut]:
    """The companies you have a role in, with the role. Others are not shown (nor can they be reached)."""
    return _companies(app, principal)
