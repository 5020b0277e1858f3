"""One BLAS thread for the engine's many small matrix products (10-100x faster than several on a busy machine)."""

from __future__ import annotations

import contextlib
import functools


@functools.cache
def _controller():
    # created once: creating it scans the loaded libraries (~10 ms)
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


def single_thread_blas() -> contextlib.AbstractContextManager:
    """A context in which BLAS runs on one thread."""
    return _controller().limit(limits=1, user_api="blas")
