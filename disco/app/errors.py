"""The dashboard's error boundary: a problem the user can act on is shown as ``st.error``, never a traceback.
Messages may quote a user's file name or column headers: they are rendered literally (:func:`md_safe`)."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator

import streamlit as st

from disco.app.text import md_safe
from disco.errors import DiscoError

log = logging.getLogger("disco.app")
MAX_DETAIL = 200  # characters of an unexpected error's message shown on the page


@contextlib.contextmanager
def user_errors() -> Iterator[None]:
    """Show a :class:`DiscoError` as its message, and any other failure as a short note (the console gets the
    traceback). ``st.stop()`` and ``st.rerun()`` raise BaseException subclasses, so they pass through."""
    try:
        yield
    except DiscoError as exc:
        st.error(md_safe(str(exc)), icon=":material/error:")
    except Exception as exc:  # a bug: the console gets the traceback, the page a short note
        log.exception("unexpected error in the dashboard")
        detail = str(exc)
        detail = detail if len(detail) <= MAX_DETAIL else detail[:MAX_DETAIL - 1] + "…"
        st.error(f"Something went wrong ({type(exc).__name__}: {md_safe(detail)}). The server console has the "
                 "details; please report it with the settings you used.", icon=":material/bug_report:")
