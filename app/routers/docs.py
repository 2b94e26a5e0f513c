"""The API documentation pages, ``/docs`` (Swagger UI) and ``/redoc``, working with no network.

Their scripts and styles are served by the service from the ``fastapi-offline`` package (Swagger UI and
ReDoc bundles, kept up to date there), never from a CDN; the pages carry no inline script, so their
Content-Security-Policy allows scripts from this origin only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import fastapi_offline
from fastapi import APIRouter
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, HTMLResponse, Response

from app.errors import ApiError

router = APIRouter(include_in_schema=False)
ASSETS = Path(fastapi_offline.__file__).resolve().parent / "static"
ASSET_NAMES = frozenset({"swagger-ui-bundle.js", "swagger-ui.css", "redoc.standalone.js", "favicon.png",
                         "swagger-init.js"})
MEDIA_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8", ".png": "image/png"}
# Swagger UI sets styles from script and inlines SVG icons as data: URLs; ReDoc injects <style> elements and
# runs its search index in a worker made from a blob.
CSP = ("default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; base-uri 'none'; form-action 'none'; "
       "frame-ancestors 'none'")
HEADERS = {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
           "Cache-Control": "no-cache"}
SWAGGER_INIT = """window.ui = SwaggerUIBundle({
  url: "openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  persistAuthorization: false,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
  layout: "BaseLayout"
});
"""


def _page(title: str, head: str, body: str) -> HTMLResponse:
    html = (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n<title>{title}</title>\n'
            f'<link rel="icon" href="docs-assets/favicon.png">\n{head}</head>\n<body>\n{body}</body>\n</html>\n')
    return HTMLResponse(html, headers=HEADERS)


@router.get("/docs")
def swagger_ui() -> HTMLResponse:
    """Swagger UI: try the API with a key ("Authorize", then the key)."""
    return _page("Guanxi API", '<link rel="stylesheet" href="docs-assets/swagger-ui.css">\n',
                 '<div id="swagger-ui"></div>\n<script src="docs-assets/swagger-ui-bundle.js"></script>\n'
                 '<script src="docs-assets/swagger-init.js"></script>\n')


@router.get("/redoc")
def redoc() -> HTMLResponse:
    """ReDoc: the API reference as one page."""
    return _page("Guanxi API reference", "", '<redoc spec-url="openapi.json"></redoc>\n'
                 '<script src="docs-assets/redoc.standalone.js"></script>\n')


@router.get("/docs-assets/{name}")
def docs_asset(name: Annotated[str, PathParam(max_length=40)]) -> Response:
    if name not in ASSET_NAMES:
        raise ApiError(404, "Not found", f"no documentation asset {name!r}")
    headers = {**HEADERS, "Cache-Control": "public, max-age=86400"}
    if name == "swagger-init.js":
        return Response(SWAGGER_INIT, media_type=MEDIA_TYPES[".js"], headers=headers)
    file = ASSETS / name
    return FileResponse(file, media_type=MEDIA_TYPES[file.suffix], headers=headers)
