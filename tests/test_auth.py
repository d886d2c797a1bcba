"""README "Security and sharing": the documented st.login set-up, checked against Streamlit's own code (issue 13).

The `[auth]` block and the gate snippet are read out of README.md itself, so the README cannot drift from what
is tested. The secrets layout goes through Streamlit's validation (what `st.login()` runs before it redirects);
the gate runs under AppTest with a stub user (`AppTest.user`), logged out and logged in. Pressing "Log in"
needs Authlib >= 1.3.2: with it the press starts the OIDC redirect without an error, without it Streamlit
names the missing package; each of the two is skipped, with that reason, where the other applies.
"""

from __future__ import annotations

import re

import pytest
from streamlit import config
from streamlit.auth_util import (
    generate_default_provider_section,
    get_validated_redirect_uri,
    is_authlib_installed,
    validate_auth_credentials,
)
from streamlit.errors import StreamlitAuthError
from streamlit.runtime.secrets import secrets_singleton
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT

NO_AUTHLIB = (
    "Authlib is not installed (python -c 'import authlib' raises ModuleNotFoundError; it is not in "
    "requirements.txt): st.login() refuses to start without Authlib>=1.3.2 (README step 1: pip install "
    "'Authlib>=1.3.2')"
)


def _section() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index("## Security and sharing")
    end = text.find("\n## ", start + 1)
    return text[start : end if end > 0 else None]


def _block(lang: str) -> str:
    """The first fenced ``lang`` block of the README's security section, dedented."""
    found = re.search(rf"```{lang}\n(.*?)```", _section(), re.S)
    assert found, f"README 'Security and sharing' has no {lang} block"
    lines = found.group(1).splitlines()
    indent = min(len(x) - len(x.lstrip()) for x in lines if x.strip())
    return "\n".join(x[indent:] for x in lines) + "\n"


@pytest.fixture()
def secrets_file(tmp_path):
    """The README's [auth] block as the only secrets.toml Streamlit reads; restored afterwards."""
    path = tmp_path / ".streamlit" / "secrets.toml"
    path.parent.mkdir()
    path.write_text(_block("toml"), encoding="utf-8")
    before = config.get_option("secrets.files")
    secrets_singleton._reset()
    config.set_option("secrets.files", [str(path)])
    try:
        yield path
    finally:
        config.set_option("secrets.files", before)
        secrets_singleton._reset()


def test_the_readme_secrets_layout_is_what_st_login_validates(secrets_file):
    validate_auth_credentials("default")  # what st.login() runs first: raises on a missing or misplaced key
    assert get_validated_redirect_uri() == "https://decide.example.com/oauth2callback"
    provider = generate_default_provider_section(secrets_singleton["auth"])
    assert set(provider) == {"client_id", "client_secret", "server_metadata_url"}
    assert provider["server_metadata_url"].startswith("https://") and provider["server_metadata_url"].endswith(
        "/.well-known/openid-configuration"
    )


def test_a_layout_without_the_cookie_secret_is_refused(secrets_file):
    text = secrets_file.read_text(encoding="utf-8")
    secrets_file.write_text("\n".join(x for x in text.splitlines() if not x.startswith("cookie_secret")) + "\n")
    secrets_singleton._reset()
    with pytest.raises(StreamlitAuthError, match="cookie_secret"):
        validate_auth_credentials("default")


def _gate_app() -> AppTest:
    """The README's gate at the top of an app, with the dashboard's first line behind it."""
    script = "import streamlit as st\n\n" + _block("python") + 'st.title("Distill Decide")\n'
    return AppTest.from_string(script, default_timeout=30)


def test_the_gate_keeps_a_logged_out_user_out(secrets_file):
    at = _gate_app()
    at.user = {"is_logged_in": False}
    at.run()
    assert not at.exception
    assert [b.label for b in at.button] == ["Log in"]
    assert [t.value for t in at.title] == []  # st.stop() before anything of the dashboard


def test_the_gate_lets_a_logged_in_user_through(secrets_file):
    at = _gate_app()
    at.user = {"is_logged_in": True, "email": "sam@example.com", "name": "Sam"}
    at.run()
    assert not at.exception
    assert [b.label for b in at.button] == []
    assert [t.value for t in at.title] == ["Distill Decide"]


@pytest.mark.skipif(not is_authlib_installed(), reason=NO_AUTHLIB)
def test_log_in_starts_the_oidc_redirect(secrets_file):
    at = _gate_app()
    at.user = {"is_logged_in": False}
    at.run()
    at.button[0].click().run()  # st.login(): validates the secrets, then sends the browser to /auth/login
    assert not at.exception, [e.value for e in at.exception]


@pytest.mark.skipif(is_authlib_installed(), reason="Authlib is installed: the redirect test above runs instead")
def test_without_authlib_log_in_names_the_missing_package(secrets_file):
    """The dashboard redacts error details (client.showErrorDetails = "none"): a user sees Streamlit's generic box
    and the server log names Authlib. Shown in full here to read what the log says."""
    before = config.get_option("client.showErrorDetails")
    config.set_option("client.showErrorDetails", "full")
    try:
        at = _gate_app()
        at.user = {"is_logged_in": False}
        at.run()
        at.button[0].click().run()
    finally:
        config.set_option("client.showErrorDetails", before)
    assert at.exception and "requires Authlib>=1.3.2" in at.exception[0].value, [e.value for e in at.exception]
