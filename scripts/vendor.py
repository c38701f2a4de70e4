"""Re-fetch the interactive API docs' assets (Swagger UI) from the npm registry at the pinned version.

The files are committed under api/static/vendor/swagger-ui/ so that the package and a fresh clone serve /docs
without npm and without a CDN. This script is only for changing the pin: it takes the release tarball with
`npm pack` (no install scripts, no dependencies), checks it against the integrity the registry publishes, copies
the few files /docs needs and writes manifest.json beside them (version, tarball integrity, each file's SHA-256);
tests/api/test_docs.py fails when the files and the manifest disagree.

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
TARGET = Path(__file__).resolve().parents[1] / "api" / "static" / "vendor" / "swagger-ui"
MANIFEST = "manifest.json"


def npm(*args: str, cwd: Path) -> str:
    done = subprocess.run(["npm", *args], cwd=cwd, check=True, capture_output=True, text=True)
    return done.stdout


def fetch(workdir: Path) -> tuple[dict[str, bytes], dict[str, str]]:
    """The wanted files from the release tarball, and the tarball's address and integrity as the registry has
    them. Refuses a tarball whose SHA-512 is not the registry's."""
    spec = f"{PACKAGE}@{VERSION}"
    dist = json.loads(npm("view", spec, "dist", "--json", cwd=workdir))
    packed = json.loads(npm("pack", spec, "--json", "--pack-destination", str(workdir), cwd=workdir))
    tarball = workdir / packed[0]["filename"]
    integrity = "sha512-" + base64.b64encode(hashlib.sha512(tarball.read_bytes()).digest()).decode()
    if integrity != dist["integrity"]:
        raise SystemExit(f"{spec}: the tarball's integrity {integrity} is not the registry's {dist['integrity']}")
    files: dict[str, bytes] = {}
    with tarfile.open(tarball, "r:gz") as archive:
        for name in FILES:
            member = archive.getmember(f"package/{name}")
            extracted = archive.extractfile(member) if member.isfile() else None
            if extracted is None:
                raise SystemExit(f"{spec}: package/{name} is not a regular file")
            files[name] = extracted.read()
    return files, {"tarball": dist["tarball"], "integrity": integrity}


def manifest_for(files: dict[str, bytes], source: dict[str, str]) -> dict[str, object]:
    return {
        "package": PACKAGE,
        "version": VERSION,
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
    with tempfile.TemporaryDirectory() as tmp:
        files, source = fetch(Path(tmp))
    manifest = render(manifest_for(files, source))
    if options.check:
        differing = [name for name, content in files.items() if _read(TARGET / name) != content]
        if _read(TARGET / MANIFEST) != manifest.encode():
            differing.append(MANIFEST)
        for name in differing:
            print(f"{TARGET / name} differs from {PACKAGE}@{VERSION}", file=sys.stderr)
        return 1 if differing else 0
    TARGET.mkdir(parents=True, exist_ok=True)
    for stale in TARGET.iterdir():
        if stale.name not in FILES and stale.name != MANIFEST:
            stale.unlink()
    for name, content in files.items():
        (TARGET / name).write_bytes(content)
    (TARGET / MANIFEST).write_text(manifest)
    for name, content in sorted(files.items()):
        print(f"{len(content):>9}  {name}")
    print(f"{PACKAGE}@{VERSION} written to {TARGET}")
    return 0


def _read(path: Path) -> bytes | None:
    return path.read_bytes() if path.is_file() else None


if __name__ == "__main__":
    sys.exit(main())
