"""A page's own choices (a planner's alpha, a chart's axis) kept in the URL as ``p.<page>.<name>``.

A page declares its choices (:class:`ui.url.Choice`), calls :func:`check` once at the top, and draws each
widget with ``**bind(choice)``: the widget opens on the URL's value (or the default), and every change is
written back (a default is removed), so a reload, a copied link or a round trip through another page shows
the same choices. The URL itself is written by :func:`ui.state.mirror_url` at the start of each run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import streamlit as st

from ui import state, url


def check(page: str, choices: Iterable[url.Choice]) -> None:
    """Drop this page's choices the URL cannot give (a bad value, an unknown name) and say so once."""
    kept, problems = url.page_problems(page, choices, state.page_choices())
    if problems:
        st.session_state[state.Keys.PAGE] = kept
        st.warning(f"Part of the link's choices for this page could not be applied: {'; '.join(problems)}.")


def bind(c: url.Choice, then: Callable[[], None] | None = None) -> dict[str, Any]:
    """The widget's ``key``, ``on_change`` and ``args``; its key is set from the URL's choice before it is drawn.
    ``then`` runs after a change is kept (e.g. another widget that follows this one)."""
    if c.widget not in st.session_state:
        raw = state.page_choices().get(c.param)
        try:
            st.session_state[c.widget] = c.default if raw is None else c.read(raw)
        except ValueError:  # check() was not called for this page: the default, silently
            st.session_state[c.widget] = c.default
    st.session_state.setdefault(state.Keys.BOUND, set()).add(c.widget)
    return {"key": c.widget, "on_change": _keep, "args": (c, then)}


def _keep(c: url.Choice, then: Callable[[], None] | None = None) -> None:
    """The widget's new value into the page's choices (a callback: the rerun's mirror_url writes the URL)."""
    raw = c.write(st.session_state.get(c.widget, c.default))
    params = state.page_choices()
    if raw is None:
        params.pop(c.param, None)
    else:
        params[c.param] = raw
    if then is not None:
        then()
