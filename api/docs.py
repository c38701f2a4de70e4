"""The interactive API docs at /docs: Swagger UI served from the package (api/static/vendor/swagger-ui/, fetched
by scripts/vendor at a pinned version), so the page loads nothing from outside and keeps the same content policy
as every other page.

FastAPI's get_swagger_ui_html starts Swagger UI with an inline script, which script-src 'self' forbids; this page
is the same markup with the start moved to /static/docs.js, which reads the schema's address from the page."""

from __future__ import annotations

import json
from html import escape
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

router = APIRouter(include_in_schema=False)

VENDOR = Path(__file__).parent / "static" / "vendor" / "swagger-ui"
SWAGGER_UI_VERSION = str(json.loads((VENDOR / "manifest.json").read_text())["version"])
"""Appended to the assets' addresses so that a browser never keeps an earlier version's bundle after an upgrade."""


@router.get("/docs")
def docs(request: Request) -> HTMLResponse:
    root = request.scope.get("root_path", "").rstrip("/")
    vendor = f"{root}/static/vendor/swagger-ui"
    version = f"?v={SWAGGER_UI_VERSION}"
    openapi_url = f"{root}{request.app.openapi_url}"
    return HTMLResponse(
        f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{escape(request.app.title)} · API</title>
<link rel="icon" type="image/png" href="{vendor}/favicon-32x32.png">
<link rel="stylesheet" href="{vendor}/swagger-ui.css{version}"></head><body>
<div id="swagger-ui" data-openapi-url="{escape(openapi_url)}"></div>
<script src="{vendor}/swagger-ui-bundle.js{version}"></script>
<script src="{root}/static/docs.js{version}"></script>
</body></html>"""
    )
