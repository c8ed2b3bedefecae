"""Run the sorter tests with one BLAS thread (restored afterwards) when threadpoolctl is present:
their matrices are small, and BLAS threads on a busy machine make them many times slower."""

import pytest

try:
    from threadpoolctl import threadpool_limits
except ImportError:  # pragma: no cover - optional
    threadpool_limits = None


@pytest.fixture(autouse=True, scope="package")
def _one_blas_thread():
    if threadpool_limits is None:
        yield
        return
    with threadpool_limits(limits=1, user_api="blas"):
        yield
