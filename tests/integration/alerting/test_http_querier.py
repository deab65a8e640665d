"""``HttpQuerier`` (alerting's query model over a served logyard, on the shared
``logyard._api_client.ApiClient``): each failure is the error a rule evaluation expects,
with a message that says how to fix it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from tests._loopback import free_port
from tests.e2e._serve import serve

from logyard.alerting import HttpQuerier
from logyard.errors import ConfigError, QueryError, StoreError
from logyard.store import SearchRequest

ADMIN = "http-querier-admin-token"


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    """A served logyard without its own alerting service."""
    from logyard.api import create_app

    data = tmp_path_factory.mktemp("querier") / "data"
    with pytest.MonkeyPatch.context() as env:
        env.setenv("LOGYARD_ALERT_RULES", "off")
        with serve(create_app(data, admin_token=ADMIN), ADMIN) as client:
            yield client


def _url(api: httpx.Client) -> str:
    return str(api.base_url).rstrip("/")


def test_search_answers_with_the_token(api: httpx.Client) -> None:
    """With the admin token an empty store answers an empty page; repr hides the token."""
    querier = HttpQuerier(_url(api), ADMIN)
    result = querier.search(SearchRequest(query=""))
    expected = (0, [], f"HttpQuerier(url={_url(api)!r}, token=[secure])")
    assert expected == (result.total, result.hits, repr(querier))


def test_unknown_token_is_a_config_error(api: httpx.Client) -> None:
    """A token the server does not know: ConfigError saying which token to pass, once (the
    API's own advice, which speaks HTTP, is replaced by the flag to use)."""
    with pytest.raises(ConfigError) as caught:
        HttpQuerier(_url(api), "wrong").search(SearchRequest(query=""))
    expected = (
        f"{_url(api)}: authorization: unknown token; pass --token (a token whose role may "
        "search and aggregate) or set LOGYARD_TOKEN"
    )
    assert expected == str(caught.value)


def test_bad_query_is_a_query_error(api: httpx.Client) -> None:
    """A query the API refuses (HTTP 400) is a QueryError carrying the API's detail."""
    with pytest.raises(QueryError) as caught:
        HttpQuerier(_url(api), ADMIN).search(SearchRequest(query="level:("))
    expected = (
        f"{_url(api)}: KQL: expected a value after ':' but the query ended at column 7; "
        "add a value or remove the dangling operator"
    )
    assert expected == str(caught.value)


def test_unreachable_server_is_a_store_error(tmp_path: Path) -> None:
    """Nothing listening: StoreError saying the rule is evaluated again next cycle."""
    url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(StoreError) as caught:
        HttpQuerier(url, ADMIN, timeout_secs=5).search(SearchRequest(query=""))
    message = str(caught.value)
    expected = (True, True)
    assert expected == (
        message.startswith(f"{url}: cannot reach logyard ("),
        message.endswith("); the rule is evaluated again in the next cycle"),
    )
