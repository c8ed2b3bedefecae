"""load_matrix / fetch_matrix from URLs: a loopback http.server, file: URLs, unreachable servers."""

from __future__ import annotations

import asyncio
import functools
import http.server
import socket
import threading

import numpy as np
import pytest

from mmcore.errors import MMError
from mmcore.io import fetch_matrix, load_matrix, load_tensors

W = np.linspace(-1, 1, 2 * 1024 * 384, dtype=np.float32).reshape(2048, 384)  # 3 MiB: several chunks


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep pytest output clean
        pass


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("www")
    np.save(root / "w.npy", W)
    np.savez(root / "heads.npz", wq=W[:4, :3], wk=W[4:8, :3])
    (root / "m.csv").write_text("1,2\n3,4\n")
    (root / "blob").write_bytes(b"5,6,7\n")
    handler = functools.partial(_QuietHandler, directory=str(root))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", root
    httpd.shutdown()
    httpd.server_close()


def test_http_npy_with_progress(server):
    base, _ = server
    seen = []
    m = load_matrix(f"{base}/w.npy", shape=(2048, 384), progress=lambda d, t: seen.append((d, t)))
    np.testing.assert_array_equal(m, W)
    total = seen[-1][1]
    assert total is not None and total > W.nbytes and seen[-1][0] == total
    assert len(seen) >= 3 and [d for d, _ in seen] == sorted(d for d, _ in seen)


def test_http_npz_csv_and_sniffed_format(server):
    base, _ = server
    np.testing.assert_array_equal(load_matrix(f"{base}/heads.npz", key="wk"), W[4:8, :3])
    assert load_matrix(f"{base}/m.csv?version=2").tolist() == [[1, 2], [3, 4]]  # query ignored for the format
    assert load_matrix(f"{base}/blob").tolist() == [[5, 6, 7]]  # no extension: sniffed as CSV
    assert sorted(load_tensors(f"{base}/heads.npz")) == ["wk", "wq"]


def test_fetch_matrix_in_cpython_matches_load_matrix(server):
    base, _ = server
    m = asyncio.run(fetch_matrix(f"{base}/heads.npz", key="wq", shape=(4, 3)))
    np.testing.assert_array_equal(m, W[:4, :3])


def test_http_404_names_the_status(server):
    base, _ = server
    with pytest.raises(MMError, match=r"answered 404"):
        load_matrix(f"{base}/nothing.npy")


def test_unreachable_url_on_a_closed_port():
    with socket.socket() as s:  # find a loopback port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(MMError, match=rf"cannot load a matrix from http://127.0.0.1:{port}/w.npy: unreachable"):
        load_matrix(f"http://127.0.0.1:{port}/w.npy")


def test_file_url(server):
    _, root = server
    m = load_matrix((root / "w.npy").as_uri(), shape=(2048, 384))
    np.testing.assert_array_equal(m, W)
    with pytest.raises(MMError, match="no such file"):
        load_matrix((root / "gone.npy").as_uri())
