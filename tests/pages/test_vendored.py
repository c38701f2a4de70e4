"""The vendored browser libraries (scripts/vendor) are the files their manifests name, at the pinned versions."""

from __future__ import annotations

import hashlib
import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _vendor_script() -> Any:
    spec = importlib.util.spec_from_file_location("vendor_script", ROOT / "scripts" / "vendor.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("package", ["echarts", "axe-core"])
def test_the_vendored_files_are_those_of_their_manifest(package: str) -> None:
    vendored = next(v for v in _vendor_script().VENDORED if v.package == package)
    manifest = json.loads((vendored.target / "manifest.json").read_text())

    assert (manifest["package"], manifest["version"]) == (vendored.package, vendored.version)
    assert manifest["integrity"].startswith("sha512-")
    assert set(manifest["files"]) == {Path(name).name for name in vendored.files}
    assert {path.name for path in vendored.target.iterdir()} == {*manifest["files"], "manifest.json"}
    for name, expected in manifest["files"].items():
        content = (vendored.target / name).read_bytes()
        assert hashlib.sha256(content).hexdigest() == expected["sha256"], name
