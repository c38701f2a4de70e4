"""Re-fetch the browser libraries the ledger serves from the npm registry at their pinned versions: Swagger UI (the
interactive API docs), Apache ECharts (the pages' charts) and axe-core (the browser tests' accessibility check).

The files are committed under api/static/vendor/<name>/ so that the package and a fresh clone serve them without
npm and without a CDN. This script is only for changing a pin: it takes each release tarball with `npm pack` (no
install scripts, no dependencies), checks it against the integrity the registry publishes, copies the few files
needed and writes manifest.json beside them (version, tarball integrity, each file's SHA-256);
tests/api/test_docs.py and tests/pages/test_vendored.py fail when the files and a manifest disagree.

    scripts/vendor            # fetch and write the files and the manifest
    scripts/vendor --check    # fetch and compare with what is committed; change nothing
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import NamedTuple

PACKAGE = "swagger-ui-dist"
VERSION = "5.35.0"
"""Exact version: changing it and running this script is how the docs' assets are upgraded."""
FILES = (
    "swagger-ui-bundle.js",
    "swagger-ui.css",
    "favicon-32x32.png",
    "LICENSE",
    "NOTICE",
    "swagger-ui-bundle.js.LICENSE.txt",
)
"""The bundle and its stylesheet, the icon (else the browser asks for a missing /favicon.ico), and the licences:
Swagger UI's Apache-2.0 licence and notice, and those of the libraries compiled into the bundle."""
VENDOR = Path(__file__).resolve().parents[1] / "api" / "static" / "vendor"
TARGET = VENDOR / "swagger-ui"
MANIFEST = "manifest.json"


class Vendored(NamedTuple):
    """One package: its exact version, the files taken from its tarball (kept under their base names), and where.
    (A named tuple, not a dataclass: the tests load this script by path, outside sys.modules.)"""

    package: str
    version: str
    files: tuple[str, ...]
    target: Path


VENDORED = (
    Vendored(PACKAGE, VERSION, FILES, TARGET),
    Vendored(
        "echarts",
        "5.6.0",
        ("dist/echarts.min.js", "LICENSE", "NOTICE", "licenses/LICENSE-d3"),
        VENDOR / "echarts",
    ),
    Vendored("axe-core", "4.10.3", ("axe.min.js", "LICENSE", "LICENSE-3RD-PARTY.txt"), VENDOR / "axe-core"),
)
"""Apache ECharts: charts with axes, dates, legends and tooltips, from one file that needs no build (Apache-2.0).
axe-core: the accessibility rules the browser tests run on every page (MPL-2.0); served like the rest, used only
by the tests."""


def npm(*args: str, cwd: Path) -> str:
    done = subprocess.run(["npm", *args], cwd=cwd, check=True, capture_output=True, text=True)
    return done.stdout


def fetch(workdir: Path, vendored: Vendored) -> tuple[dict[str, bytes], dict[str, str]]:
    """The wanted files from the release tarball (by base name), and the tarball's address and integrity as the
    registry has them. Refuses a tarball whose SHA-512 is not the registry's."""
    spec = f"{vendored.package}@{vendored.version}"
    dist = json.loads(npm("view", spec, "dist", "--json", cwd=workdir))
    packed = json.loads(npm("pack", spec, "--json", "--pack-destination", str(workdir), cwd=workdir))
    tarball = workdir / packed[0]["filename"]
    integrity = "sha512-" + base64.b64encode(hashlib.sha512(tarball.read_bytes()).digest()).decode()
    if integrity != dist["integrity"]:
        raise SystemExit(f"{spec}: the tarball's integrity {integrity} is not the registry's {dist['integrity']}")
    files: dict[str, bytes] = {}
    with tarfile.open(tarball, "r:gz") as archive:
        for name in vendored.files:
            member = archive.getmember(f"package/{name}")
            extracted = archive.extractfile(member) if member.isfile() else None
            if extracted is None:
                raise SystemExit(f"{spec}: package/{name} is not a regular file")
            files[Path(name).name] = extracted.read()
    return files, {"tarball": dist["tarball"], "integrity": integrity}


def manifest_for(vendored: Vendored, files: dict[str, bytes], source: dict[str, str]) -> dict[str, object]:
    return {
        "package": vendored.package,
        "version": vendored.version,
        **source,
        "files": {
            name: {"sha256": hashlib.sha256(content).hexdigest(), "bytes": len(content)}
            for name, content in sorted(files.items())
        },
    }


def render(manifest: dict[str, object]) -> str:
    return json.dumps(manifest, indent=2) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--check", action="store_true", help="compare with the committed files; write nothing")
    options = parser.parse_args()
    differing: list[str] = []
    for vendored in VENDORED:
        with tempfile.TemporaryDirectory() as tmp:
            files, source = fetch(Path(tmp), vendored)
        manifest = render(manifest_for(vendored, files, source))
        target = vendored.target
        if options.check:
            differing += [str(target / name) for name, content in files.items() if _read(target / name) != content]
            if _read(target / MANIFEST) != manifest.encode():
                differing.append(str(target / MANIFEST))
            continue
        target.mkdir(parents=True, exist_ok=True)
        for stale in target.iterdir():
            if stale.name not in files and stale.name != MANIFEST:
                stale.unlink()
        for name, content in files.items():
            (target / name).write_bytes(content)
        (target / MANIFEST).write_text(manifest)
        for name, content in sorted(files.items()):
            print(f"{len(content):>9}  {name}")
        print(f"{vendored.package}@{vendored.version} written to {target}")
    for path in differing:
        print(f"{path} differs from its pinned package", file=sys.stderr)
    return 1 if differing else 0


def _read(path: Path) -> bytes | None:
    return path.read_bytes() if path.is_file() else None


if __name__ == "__main__":
    sys.exit(main())
