"""Dependencies shared by the routers: the application, the signed-in principal, company access.

Every company route takes :data:`Reader` or :data:`Writer`: it authenticates the bearer token, then
calls :func:`reskontro.domain.access.require` for the ``company_id`` in the path *before* the body
is looked at. A company the user has no role in is a 404 exactly like one that does not exist;
a read-only user on a write route is a 403.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Header, Path, Query, Request, UploadFile
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from reskontro.api.errors import InvalidRequest, Unauthorized
from reskontro.bootstrap import App
from reskontro.domain.access import Principal, Role, require
from reskontro.services import access
from reskontro.services.unit_of_work import UnitOfWork

MAX_INT32 = 2**31 - 1
MAX_ID = 2**63 - 1

bearer = HTTPBearer(auto_error=False, scheme_name="bearer",
                    description="An API token from `POST /auth/login` or `reskontro user token`.")


def get_app(request: Request) -> App:
    app: App = request.app.state.reskontro
    return app


def current_principal(request: Request,
                      credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> Principal:
    """The principal of the bearer token; 401 without one, or with one that is unknown, expired or revoked."""
    if credentials is None:
        raise Unauthorized("this needs an API token: send 'Authorization: Bearer <token>'")
    cached: tuple[str, Principal] | None = getattr(request.state, "principal", None)
    if cached is not None and cached[0] == credentials.credentials:
        return cached[1]
    app = get_app(request)
    # Read-only: on SQLite a reader does not queue behind a long import's write lock (the token's
    # last-used time, written at most once a minute, is the only write).
    found = access.authenticate_token(uow=app.uow(readonly=True), token=credentials.credentials)
    if found is None:
        raise Unauthorized("the token is unknown, expired or revoked")
    request.state.principal = (credentials.credentials, found)
    return found


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def presented_token(credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> str:
    if credentials is None:
        raise Unauthorized("this needs an API token: send 'Authorization: Bearer <token>'")
    return credentials.credentials


@dataclass(frozen=True, slots=True)
class Access:
    """A signed-in user working in one company with a role that allows the route."""

    app: App
    principal: Principal
    company_id: int
    role: Role

    def uow(self, *, readonly: bool = False) -> UnitOfWork:
        """A unit of work whose audit events name the signed-in user."""
        return self.app.uow(readonly=readonly, actor=self.principal.username)


CompanyId = Annotated[int, Path(ge=1, le=MAX_INT32, description="The company's id.", examples=[1])]


def read_access(request: Request, company_id: CompanyId, principal: CurrentPrincipal) -> Access:
    role = require(principal, company_id)
    return Access(get_app(request), principal, company_id, role)


def write_access(request: Request, company_id: CompanyId, principal: CurrentPrincipal) -> Access:
    role = require(principal, company_id, write=True)
    return Access(get_app(request), principal, company_id, role)


Reader = Annotated[Access, Depends(read_access)]
Writer = Annotated[Access, Depends(write_access)]


def idempotency_key(key: Annotated[str | None, Header(
        alias="Idempotency-Key", max_length=255, pattern=r"^[ -~]+$",
        description="Optional. Send the same key again (with the same body) to get the first response back "
                    "instead of doing it twice.", examples=["7c0e5a2e-6f0b-4c1e-9a53-2b1f3f0d8a11"])] = None
                    ) -> str | None:
    """Documents the header; :class:`reskontro.api.idempotency.IdempotencyMiddleware` does the work."""
    return key


#: Add to every POST route: ``dependencies=IDEMPOTENT``.
IDEMPOTENT: list[Any] = [Depends(idempotency_key)]

Limit = Annotated[int, Query(ge=1, le=500, description="Rows per page (1–500).")]
After = Annotated[str | None, Query(max_length=400, pattern=r"^[A-Za-z0-9_\-]*$",
                                    description="The ``next`` cursor of the previous page.")]


def upload_name(file: UploadFile, expected: str = "") -> str:
    """An uploaded file's own name (no folders), 1–255 characters without NUL; ``expected`` ends the message
    (" ending in .csv or .xlsx")."""
    name = (file.filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    if not name or len(name) > 255 or "\x00" in name:
        raise InvalidRequest(f"the upload needs a file name of 1–255 characters{expected}", field="file")
    return name
