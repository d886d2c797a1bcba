"""The one input model: evidence and assumptions stored once in session state, mirrored to the URL.

Widgets never own an assumption. Each is bound to its own key (``in:<path>``) with an ``on_change`` callback
that validates the typed value and, if it is good, replaces the one ``Assumptions`` object; before it is drawn
the widget's key is set from that object, so a second widget for the same assumption (a slider) and every
later rerun show the stored value — a stale widget can never write an old value back. A bad value is kept
beside its field with the reason, and every page goes on with the last good assumptions.

Every change is mirrored to ``st.query_params`` (see :mod:`ui.url`), so the address bar is the view: it
survives navigation and a reload, and Reset clears it. A page's own choices (``p.<page>.<name>``) travel in the
same URL: kept here as the URL writes them, checked and bound to widgets by :mod:`ui.choices`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast
from urllib.parse import parse_qsl

import streamlit as st

from engine import sources
from engine.decision.cube import Evidence
from engine.decision.scenario import Assumptions
from engine.errors import DistillDecideError
from ui import url


class Keys:
    """Names in ``st.session_state`` this module owns (widget keys are ``in:<path>``, ``crit_slider``, …)."""

    EVIDENCE = "evidence"  # Evidence | absent (the seed rows)
    EVIDENCE_REF = "evidence_ref"  # str | None: how the URL names the evidence
    ASSUMPTIONS = "assumptions"  # Assumptions: the current ones
    BASE = "baseline_assumptions"  # Assumptions: what "modified" and the URL are relative to
    NOTE = "scenario_note"  # str: where the base came from
    SCENARIO_VERSION = "scenario_version"  # int | None: a stored version the base came from
    ERRORS = "input_errors"  # dict[str, str]: field path -> plain-words message
    LOG = "change_log"  # list[dict]: who changed what, when
    URL_READ = "url_read"  # bool: the URL was applied once this session
    URL_ERROR = "url_error"  # str: what of a shared link could not be applied
    EDITOR = "harm_editor_version"  # int: bumped to give the harm editor a fresh key
    CONFIRMED = "defaults_confirmed"  # set[str]: cube hashes whose label-set defaults the user confirmed
    PAGE = "page_choices"  # dict[str, str]: the pages' own choices as the URL writes them (p.<page>.<name>)
    BOUND = "page_widgets"  # set[str]: widget keys bound to a page choice (ui.choices)


@st.cache_data(show_spinner=False)
def _seed_evidence() -> Evidence:
    return sources.seed_evidence()


def evidence_from_ref(ref: str | None) -> Evidence:
    """The evidence a URL names: ``cube:HASH`` (a stored cube), a run id or stored source, or the seed."""
    if not ref or ref == "seed":
        return _seed_evidence()
    if ref.startswith("cube:"):
        return sources.stored_cube_evidence(ref.split(":", 1)[1])
    return sources.run_evidence(ref)


def evidence() -> Evidence:
    return cast(Evidence, st.session_state.get(Keys.EVIDENCE) or _seed_evidence())


def _url_params() -> dict[str, str]:
    return {k: st.query_params[k] for k in st.query_params}


def _read_url_once() -> None:
    """Apply a shared link at the first run of a session: evidence, stored version, changed fields."""
    if st.session_state.get(Keys.URL_READ):
        return
    st.session_state[Keys.URL_READ] = True
    qp, problems = _url_params(), []
    st.session_state[Keys.PAGE] = {k: v for k, v in qp.items() if url.is_page_param(k)}  # checked by each page
    if qp.get(url.DEFAULTS_OK):
        confirmed().add(qp[url.DEFAULTS_OK])
    ref = qp.get(url.EVIDENCE)
    if ref:
        try:
            st.session_state[Keys.EVIDENCE] = evidence_from_ref(ref)
            st.session_state[Keys.EVIDENCE_REF] = ref
        except DistillDecideError as exc:
            problems.append(f"evidence '{ref}': {exc.problem} (showing the seed rows)")
    base, note = default_scenario(evidence())
    if url.SCENARIO in qp:
        try:
            base, note = sources.stored_scenario(int(qp[url.SCENARIO])), f"stored scenario version {qp[url.SCENARIO]}"
            st.session_state[Keys.SCENARIO_VERSION] = int(qp[url.SCENARIO])
        except (DistillDecideError, ValueError) as exc:
            problems.append(f"scenario '{qp[url.SCENARIO]}': {getattr(exc, 'problem', exc)} (ignored)")
    a, bad = url.decode(base, qp)
    _start(base, note, a)
    if bad or problems:
        st.session_state[Keys.URL_ERROR] = "; ".join(problems + bad)


def default_scenario(ev: Evidence) -> tuple[Assumptions, str]:
    """The evidence's own default scenario; a run's with the P95s and prices measured for it, as `decide --run`."""
    base, note = sources.scenario_for(ev.cube, None)
    ref = st.session_state.get(Keys.EVIDENCE_REF)
    if ref and ref != "seed" and not ref.startswith(("cube:", "upload:")):
        try:
            base, said = sources.measured_assumptions(base, ref, required=False)
        except DistillDecideError:
            said = None  # a damaged latency.json: the Latency page names it; the verdict keeps the scenario's
        note += f"; {said}" if said else ""
    return base, note


def _start(base: Assumptions, note: str, a: Assumptions | None = None) -> None:
    st.session_state[Keys.BASE] = base
    st.session_state[Keys.ASSUMPTIONS] = a or base
    st.session_state[Keys.NOTE] = note


def confirmed() -> set[str]:
    """Cube hashes whose label-set defaults the user confirmed (the banner of :mod:`ui.defaults`)."""
    return cast(set[str], st.session_state.setdefault(Keys.CONFIRMED, set()))


def current() -> tuple[Evidence, Assumptions, str]:
    """The evidence and assumptions every page reads (default: the seed scenario), with the URL in step."""
    _read_url_once()
    ev = evidence()
    if Keys.ASSUMPTIONS not in st.session_state:  # new evidence was chosen: its own default scenario
        base, note = default_scenario(ev)
        _start(base, note)
    elif Keys.BASE not in st.session_state:
        st.session_state[Keys.BASE] = st.session_state[Keys.ASSUMPTIONS]
    mirror_url()
    return ev, assumptions(), st.session_state.get(Keys.NOTE, "")


def assumptions() -> Assumptions:
    return cast(Assumptions, st.session_state[Keys.ASSUMPTIONS])


def base() -> Assumptions:
    return cast(Assumptions, st.session_state.get(Keys.BASE) or assumptions())


def query() -> dict[str, str]:
    """The URL parameters of the current view."""
    out: dict[str, str] = {}
    ref = st.session_state.get(Keys.EVIDENCE_REF)
    if ref and ref != "seed":
        out[url.EVIDENCE] = ref
    version = st.session_state.get(Keys.SCENARIO_VERSION)
    if version is not None:
        out[url.SCENARIO] = str(version)
    if evidence().cube.hash in confirmed():
        out[url.DEFAULTS_OK] = evidence().cube.hash
    return out | url.encode(base(), assumptions()) | page_choices()


def page_choices() -> dict[str, str]:
    """The pages' own choices that differ from their defaults, as the URL writes them (see :mod:`ui.choices`)."""
    return cast(dict[str, str], st.session_state.setdefault(Keys.PAGE, {}))


def _browser_query() -> dict[str, str] | None:
    """The query string the browser sent with this rerun (None outside a script run)."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    return None if ctx is None else dict(parse_qsl(ctx.query_string, keep_blank_values=True))


def mirror_url() -> None:
    """Make the address bar carry the current view (only when it differs: each write is a browser message).

    Compared with what the browser reported too, not only with ``st.query_params``: a message lost to an
    interrupted rerun is sent again on the next run instead of leaving a stale link in the address bar.
    """
    want = query()
    browser = _browser_query()
    if _url_params() != want or (browser is not None and browser != want):
        st.query_params.from_dict(want)


def set_assumptions(a: Assumptions, what: str) -> None:
    """Replace the current assumptions and log who changed what, when (this session).

    The URL follows at the next :func:`current` (the start of every page run): a query-string message sent
    from inside a widget callback can be overtaken by the rerun's own, so it is sent from the script.
    """
    st.session_state[Keys.ASSUMPTIONS] = a
    log(what)


def log(what: str) -> None:
    st.session_state.setdefault(Keys.LOG, []).append(
        {"When": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC"), "Who": author(), "What": what}
    )


def author() -> str:
    return st.session_state.get("author") or "anonymous"


def errors() -> dict[str, str]:
    return cast(dict[str, str], st.session_state.setdefault(Keys.ERRORS, {}))


def sync_widget(key: str, value: Any, path: str | None = None) -> None:
    """Set a widget's key from the stored value before it is drawn, unless it holds a pending bad value."""
    if path is not None and path in errors() and key in st.session_state:
        return
    if path is not None and key not in st.session_state:
        errors().pop(path, None)  # the field was off-screen: its old error no longer stands beside it
    if st.session_state.get(key) != value:
        st.session_state[key] = value


def forget_inputs() -> None:
    """Drop every widget's copy of an assumption (they are re-set from the stored ones when next drawn)."""
    for k in [k for k in st.session_state if isinstance(k, str) and (k.startswith("in:") or k == "crit_slider")]:
        del st.session_state[k]
    st.session_state[Keys.ERRORS] = {}
    st.session_state[Keys.EDITOR] = st.session_state.get(Keys.EDITOR, 0) + 1


def use_evidence(ev: Evidence, ref: str | None) -> None:
    """Make ``ev`` the evidence behind every page (named ``ref`` in the URL), on its own default scenario."""
    st.session_state[Keys.EVIDENCE] = ev
    st.session_state[Keys.EVIDENCE_REF] = ref
    for k in (Keys.ASSUMPTIONS, Keys.BASE, Keys.NOTE, Keys.SCENARIO_VERSION):
        st.session_state.pop(k, None)
    forget_inputs()
    log(f"Evidence → {ev.label}")


def use_uploaded_rows(ev: Evidence) -> None:
    """Uploaded rows become evidence stored under their cube's hash, so a link or a reload finds them again."""
    from engine import store
    from ui import candidates  # imports ui.verdict, which imports this module

    ref = None
    if ev.rows is not None:
        try:
            source = candidates.upload_source(ev)  # the cube's hash, and the candidates' when there are several
            if source not in set(store.list_sources()["source"]):
                store.save_rows(source, ev.rows, intents=list(ev.cube.intents))
            ref = source
        except DistillDecideError:
            ref = None  # the store is busy or unwritable: the upload still works for this session
    use_evidence(ev, ref)


def use_counts(ev: Evidence) -> None:
    """Uploaded counts become evidence stored as a cube (``cube:HASH`` in the URL), so a reload finds them."""
    try:
        ref: str | None = f"cube:{sources.store_cube(ev.cube)}"
    except DistillDecideError:
        ref = None  # the store is busy or unwritable: the counts still work for this session
    use_evidence(ev, ref)


def load_scenario(version: int, label: str) -> None:
    """A stored scenario version becomes the base: "modified" and the URL (``scenario=VERSION``) are relative
    to it."""
    a = sources.stored_scenario(version)
    _start(a, f"stored scenario {label} (version {version})")
    st.session_state[Keys.SCENARIO_VERSION] = version
    forget_inputs()
    log(f"Loaded stored scenario {label} (version {version})")


def reset() -> None:
    """Back to the seed rows and the seed scenario; the URL is cleared (an ``on_click`` callback)."""
    for k in (Keys.EVIDENCE, Keys.EVIDENCE_REF, Keys.ASSUMPTIONS, Keys.BASE, Keys.NOTE, Keys.SCENARIO_VERSION):
        st.session_state.pop(k, None)
    forget_inputs()
    for k in st.session_state.pop(Keys.BOUND, set()):  # the pages' own choices back to their defaults too
        st.session_state.pop(k, None)
    st.session_state[Keys.PAGE] = {}
    log("Reset to the seed scenario")
    st.query_params.clear()
