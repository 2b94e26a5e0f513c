"""The web app for reps and managers: its page and static assets (no key needed), and ``/v1/me``.

The app is plain files in ``app/web/`` (ES modules, hand-written CSS, and cytoscape vendored from npm),
shipped inside the Python package: nothing is built or fetched at run time. The page talks to the API
under ``/v1`` with the key the user signs in with, as any front end would.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal, cast

from fastapi import APIRouter
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, Response
from pydantic import BaseModel, Field

from app.deps import Viewer
from app.errors import ApiError

router = APIRouter()
WEB = Path(__file__).resolve().parent.parent / "web"

# Scripts, styles, fonts and connections come from this service only: no inline script, no CDN.
# Cytoscape sets element styles from script (the CSSOM), which style-src does not restrict.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
       "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
       "frame-ancestors 'none'")
MEDIA_TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
               ".css": "text/css; charset=utf-8", ".svg": "image/svg+xml", ".txt": "text/plain; charset=utf-8"}
PAGE_HEADERS = {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff",
                "Referrer-Policy": "no-referrer", "Cache-Control": "no-cache"}


def _font_path() -> Path | None:
    """Noto Sans SC from the ``pylopdf-fonts-zh-cn`` dependency, so Chinese names show on machines
    without a CJK font; the stylesheet prefers a font the system already has."""
    try:
        import pylopdf_fonts_zh_cn
    except ImportError:
        return None
    path = Path(pylopdf_fonts_zh_cn.sans_path())
    return path if path.is_file() else None


@router.get("/", include_in_schema=False)
def web_app() -> Response:
    """The single page of the app."""
    return FileResponse(WEB / "index.html", media_type=MEDIA_TYPES[".html"], headers=PAGE_HEADERS)


@router.get("/assets/fonts/noto-sans-sc.otf", include_in_schema=False)
def web_font() -> Response:
    path = _font_path()
    if path is None:
        raise ApiError(404, "Not found", "the CJK font package is not installed")
    return FileResponse(path, media_type="font/otf",
                        headers={"Cache-Control": "public, max-age=604800", "X-Content-Type-Options": "nosniff"})


@router.get("/assets/{path:path}", include_in_schema=False)
def web_asset(path: Annotated[str, PathParam(max_length=200)]) -> Response:
    """A file of the app, by its path under ``app/web``; nothing outside it, and only the kinds it has."""
    file = (WEB / path).resolve()
    media_type = MEDIA_TYPES.get(file.suffix)
    if media_type is None or not file.is_relative_to(WEB) or not file.is_file():
        raise ApiError(404, "Not found", f"no asset {path!r}")
    return FileResponse(file, media_type=media_type, headers=PAGE_HEADERS)


Role = Literal["viewer", "editor", "admin"]


class Me(BaseModel):
    """Who the key belongs to, so a front end shows only what the key may do."""

    name: str = Field(description="the key's id, as the audit trail records it")
    role: Role
    can_edit: bool = Field(description="the key may write (editor or admin)")


@router.get("/v1/me", tags=["web"], response_model=Me)
def me(principal: Viewer) -> Me:
    """The caller's key: its id and role."""
    role = cast(Role, principal.role)
    return Me(name=principal.name, role=role, can_edit=role in ("editor", "admin"))
