"""Credentials never show up in a repr, and travel only in the Authorization header."""

from __future__ import annotations

import base64

from logyard.setup import Credentials, HttpClient


def test_credentials_repr_hides_secrets() -> None:
    """``repr`` shows the user name, never the password or the API key."""
    text = repr(Credentials("ops", "pw-123456", "key-abcdef"))
    assert "ops" in text
    assert ("pw-123456" in text, "key-abcdef" in text) == (False, False)


def test_client_repr_hides_credentials() -> None:
    """The client's repr names the URL and ``[secure]``."""
    client = HttpClient("https://es:9200", Credentials("ops", "pw-123456"))
    assert repr(client) == "HttpClient(url='https://es:9200', credentials=[secure])"


def test_basic_and_api_key_headers() -> None:
    """Basic auth is base64(user:password); an API key wins over a password."""
    basic = Credentials("ops", "pw").header()
    assert basic == "Basic " + base64.b64encode(b"ops:pw").decode()
    assert Credentials("ops", "pw", "abc==").header() == "ApiKey abc=="
    assert Credentials().header() is None
