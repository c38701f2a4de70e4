"""The interactive API docs are served from the package under the pages' content policy: /docs names no other
host and runs no inline script, ReDoc and the OAuth2 redirect page are off, and the vendored Swagger UI files are
the ones scripts/vendor fetched (their SHA-256 in the manifest) and ship in the package."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import re
import tomllib
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from fastapi.testclient import TestClient

from api.app import PAGE_POLICY, create_app
from storage.settings import Settings

if TYPE_CHECKING:
    from collections.abc import Iterator

ROOT = Path(__file__).resolve().parents[2]
VENDOR = ROOT / "api" / "static" / "vendor" / "swagger-ui"
MANIFEST = json.loads((VENDOR / "manifest.json").read_text())


@pytest.fixture
def client(sqlite_url: str) -> Iterator[TestClient]:
    """One store is enough: the docs read no events."""
    app = create_app(Settings(database_url=sqlite_url))
    with TestClient(app) as test_client:
        yield test_client
    app.state.services.ledger.close()


class Elements(HTMLParser):
    """Each element's tag, attributes and text (scripts' bodies included)."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str | None], str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, dict(attrs), ""))

    def handle_data(self, data: str) -> None:
        if self.found:
            tag, attrs, text = self.found[-1]
            self.found[-1] = (tag, attrs, text + data.strip())


def elements(html: str) -> list[tuple[str, dict[str, str | None], str]]:
    parser = Elements()
    parser.feed(html)
    return parser.found


def test_the_docs_carry_the_content_policy_and_name_no_other_host(client: TestClient) -> None:
    page = client.get("/docs")

    assert page.status_code == 200
    assert page.headers["content-security-policy"] == PAGE_POLICY
    assert "script-src 'self'" in PAGE_POLICY and "http" not in PAGE_POLICY
    assert not re.search(r"https?:|//", page.text), page.text
    found = elements(page.text)
    addresses = [attrs.get("src") or attrs.get("href") for _, attrs, _ in found if {"src", "href"} & attrs.keys()]
    assert addresses and all(a is not None and a.startswith("/") and not a.startswith("//") for a in addresses)
    scripts = [(attrs, text) for tag, attrs, text in found if tag == "script"]
    assert scripts and all(attrs.get("src") and not text for attrs, text in scripts), "an inline script"
    assert not any(name.startswith("on") for _, attrs, _ in found for name in attrs), "an inline handler"


def test_what_the_docs_load_is_served_from_the_package(client: TestClient) -> None:
    page = client.get("/docs")
    addresses = [str(attrs.get("src") or attrs.get("href")) for _, attrs, _ in elements(page.text)]
    addresses = [a for a in addresses if a != "None"]

    assert {a.split("?")[0] for a in addresses} == {
        "/static/vendor/swagger-ui/favicon-32x32.png",
        "/static/vendor/swagger-ui/swagger-ui.css",
        "/static/vendor/swagger-ui/swagger-ui-bundle.js",
        "/static/docs.js",
    }
    for address in addresses:
        answer = client.get(address)
        assert answer.status_code == 200, address
        assert answer.headers["content-type"].split(";")[0] in ("text/javascript", "text/css", "image/png"), address
    schema = page.text.split('data-openapi-url="')[1].split('"')[0]
    assert client.get(schema).json()["info"]["title"] == "Programme ledger"


@pytest.mark.parametrize("path", ["/redoc", "/docs/oauth2-redirect"])
def test_redoc_and_the_oauth2_redirect_page_are_off(client: TestClient, path: str) -> None:
    assert client.get(path).status_code == 404


def _vendor_script() -> Any:
    spec = importlib.util.spec_from_file_location("vendor_script", ROOT / "scripts" / "vendor.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_vendored_files_are_those_of_the_manifest() -> None:
    script = _vendor_script()

    assert MANIFEST["package"] == script.PACKAGE == "swagger-ui-dist"
    assert re.fullmatch(r"\d+\.\d+\.\d+", MANIFEST["version"]) and MANIFEST["version"] == script.VERSION
    assert MANIFEST["integrity"].startswith("sha512-")
    assert set(MANIFEST["files"]) == set(script.FILES)
    assert {path.name for path in VENDOR.iterdir()} == {*MANIFEST["files"], "manifest.json"}
    for name, expected in MANIFEST["files"].items():
        content = (VENDOR / name).read_bytes()
        assert len(content) == expected["bytes"], name
        assert hashlib.sha256(content).hexdigest() == expected["sha256"], name


def test_the_static_files_ship_in_the_package() -> None:
    """Every file under api/static matches a package-data pattern of pyproject.toml (setuptools globs them from
    the package's folder), so an installed ledger serves /docs as a clone does."""
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    api = ROOT / "api"
    shipped = {path for pattern in setuptools["package-data"]["api"] for path in api.glob(pattern) if path.is_file()}
    static = {path for path in (api / "static").rglob("*") if path.is_file()}

    assert static and static <= shipped, sorted(str(p.relative_to(api)) for p in static - shipped)
