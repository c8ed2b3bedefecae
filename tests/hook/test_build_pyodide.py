"""scripts/build_pyodide.py: the sha256 gate against pyodide-lock.json and the custom lock listing mmcore."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import pathlib

import pytest

SCRIPT = pathlib.Path(__file__).resolve().parents[2] / "scripts" / "build_pyodide.py"
spec = importlib.util.spec_from_file_location("build_pyodide", SCRIPT)
bp = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bp)

WHEELS = {"numpy": b"numpy wheel bytes", "micropip": b"micropip wheel", "packaging": b"packaging wheel"}


def _index(tmp_path: pathlib.Path) -> dict:
    packages = {}
    for name, data in WHEELS.items():
        file_name = f"{name}-1.0-py3-none-any.whl"
        (tmp_path / file_name).write_bytes(data)
        packages[name] = {"name": name, "version": "1.0", "file_name": file_name, "install_dir": "site",
                          "sha256": hashlib.sha256(data).hexdigest(), "package_type": "package",
                          "imports": [name], "depends": [], "unvendored_tests": False, "shared_library": False}
    packages["scipy"] = {**packages["numpy"], "name": "scipy", "file_name": "scipy-1.0-py3-none-any.whl"}
    return {"info": {"version": "0.27.7", "python": "3.12.7"}, "packages": packages}


def test_matching_wheels_pass(tmp_path):
    lines = bp.verify_against_lock(tmp_path, _index(tmp_path))
    assert [line.split()[1] for line in lines] == [f"{n}-1.0-py3-none-any.whl" for n in bp.SHIPPED]


def test_a_tampered_wheel_stops_the_build_naming_file_and_both_hashes(tmp_path):
    lock = _index(tmp_path)
    (tmp_path / "numpy-1.0-py3-none-any.whl").write_bytes(b"something else")
    with pytest.raises(SystemExit) as e:
        bp.verify_against_lock(tmp_path, lock)
    msg = str(e.value.code)
    assert "sha256 mismatch for numpy-1.0-py3-none-any.whl" in msg
    assert lock["packages"]["numpy"]["sha256"] in msg
    assert hashlib.sha256(b"something else").hexdigest() in msg


def test_a_missing_wheel_stops_the_build(tmp_path):
    lock = _index(tmp_path)
    (tmp_path / "packaging-1.0-py3-none-any.whl").unlink()
    with pytest.raises(SystemExit, match="packaging-1.0-py3-none-any.whl \\(package packaging\\) is missing"):
        bp.verify_against_lock(tmp_path, lock)


def test_custom_lock_keeps_shipped_packages_and_adds_mmcore(tmp_path):
    lock = _index(tmp_path)
    wheel = tmp_path / "mmcore-0.3.1-cp312-none-any.whl"
    wheel.write_bytes(b"mmcore wheel")
    custom = bp.custom_lock(lock, wheel)
    assert custom["info"] == lock["info"]  # info.version kept: Pyodide refuses a lock without it
    assert sorted(custom["packages"]) == ["micropip", "mmcore", "numpy", "packaging"]
    mm = custom["packages"]["mmcore"]
    assert mm["depends"] == ["numpy"] and mm["imports"] == ["mmcore"] and mm["version"] == "0.3.1"
    assert mm["file_name"] == wheel.name and mm["sha256"] == hashlib.sha256(b"mmcore wheel").hexdigest()
    assert json.loads(json.dumps(custom)) == custom


def test_served_wheel_name_changes_with_the_sources_and_stays_a_wheel_name():
    a = bp.served_wheel_name("mmcore-0.1.0-cp312-none-any.whl", "0123456789abcdef")
    b = bp.served_wheel_name("mmcore-0.1.0-cp312-none-any.whl", "fedcba9876543210")
    assert a == "mmcore-0.1.0+0123456789-cp312-none-any.whl" and a != b
    assert bp.served_wheel_name(a, "fedcba9876543210") == b


def test_custom_lock_version_drops_the_local_label(tmp_path):
    wheel = tmp_path / "mmcore-0.1.0+0123456789-cp312-none-any.whl"
    wheel.write_bytes(b"w")
    assert bp.custom_lock(_index(tmp_path), wheel)["packages"]["mmcore"]["version"] == "0.1.0"


def test_the_built_index_is_consistent_when_present():
    """The real dist (when make site has run): every lock entry matches its file; version 0.27.7."""
    dist = bp.WORK / "dist" / bp.PYODIDE_VERSION
    if not (dist / "pyodide-lock.json").is_file():
        pytest.skip("the Pyodide index is not built (make site builds it)")
    lock = json.loads((dist / "pyodide-lock.json").read_text())
    assert lock["info"]["version"] == "0.27.7"
    assert set(lock["packages"]) == {"numpy", "micropip", "packaging", "mmcore"}
    for entry in lock["packages"].values():
        assert bp.sha256(dist / entry["file_name"]) == entry["sha256"], entry["file_name"]


def _fake_core(tmp_path: pathlib.Path, lock: dict) -> pathlib.Path:
    import io
    import tarfile

    tgz = tmp_path / "pyodide-0.27.7.tgz"
    with tarfile.open(tgz, "w:gz") as tar:
        for name in bp.CORE_FILES:
            data = json.dumps(lock).encode() if name == "pyodide-lock.json" else name.encode()
            info = tarfile.TarInfo(f"package/{name}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return tgz


@pytest.fixture
def release_server(tmp_path):
    """A local folder served over HTTP, standing in for a Pyodide release folder."""
    import functools
    import http.server
    import threading

    root = tmp_path / "release"
    root.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *a: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield root, f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


def test_wheels_url_fallback_downloads_and_checks_each_wheel(tmp_path, monkeypatch, release_server):
    root, url = release_server
    lock = _index(root)  # writes the three wheels into the served folder
    monkeypatch.setattr(bp, "WORK", tmp_path / "work")
    monkeypatch.setattr(bp, "DOWNLOADS", tmp_path / "downloads")
    core = bp.assemble_core(_fake_core(tmp_path, lock), None, url)
    for name, data in WHEELS.items():
        assert (core / lock["packages"][name]["file_name"]).read_bytes() == data
    assert (core / "pyodide.mjs").read_bytes() == b"pyodide.mjs"


def test_wheels_url_fallback_refuses_a_wrong_wheel(tmp_path, monkeypatch, release_server):
    root, url = release_server
    lock = _index(root)
    (root / "micropip-1.0-py3-none-any.whl").write_bytes(b"not the official micropip")
    monkeypatch.setattr(bp, "WORK", tmp_path / "work")
    monkeypatch.setattr(bp, "DOWNLOADS", tmp_path / "downloads")
    with pytest.raises(SystemExit, match="sha256 mismatch for micropip-1.0-py3-none-any.whl"):
        bp.assemble_core(_fake_core(tmp_path, lock), None, url)
