"""A cluster or Kibana that is unreachable, refuses the credentials, is too old or is not a
cluster at all: one error line naming the URL and what is wrong, exit 1, nothing written.

The peers are real sockets on loopback: a closed port, and a scripted HTTP server that
answers as the failing server would.
"""

from __future__ import annotations

import base64
import socket
from pathlib import Path

import pytest

from logyard.cli import main

from ._peer import Peer

ES_VERSION = {"version": {"number": "8.13.4", "build_flavor": "default"}}


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize("target", ["elasticsearch", "opensearch", "kibana"])
def test_unreachable_server(target: str, capsys: pytest.CaptureFixture[str]) -> None:
    """Connection refused: the URL, "unreachable", and what to check."""
    url = f"http://127.0.0.1:{_closed_port()}"
    code, _, err = _run(capsys, "setup", target, "--url", url)
    assert code == 1
    assert err.startswith(f"Error: {url}: unreachable (")
    assert err.endswith(
        "; check --url (http or https, host, port) and that the server is running\n"
    )


def test_security_on_and_no_credentials(peer: Peer, capsys: pytest.CaptureFixture[str]) -> None:
    """A 401 to an anonymous request names the variables to set."""
    peer.answer("GET", "/", 401, {"error": {"type": "security_exception"}})
    code, _, err = _run(capsys, "setup", "elasticsearch", "--url", peer.url)
    assert (code, err) == (
        1,
        f"Error: {peer.url}: security is enabled and anonymous access was refused "
        "(401 Unauthorized); set LOGYARD_SETUP_USERNAME and LOGYARD_SETUP_PASSWORD (or "
        "LOGYARD_SETUP_API_KEY) to a user allowed to manage templates, policies and roles\n",
    )


def test_wrong_credentials_are_refused_and_never_printed(
    peer: Peer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Credentials from the environment are sent as Basic auth; a 401 says they were
    refused, and the password appears nowhere in the output."""
    monkeypatch.setenv("LOGYARD_SETUP_USERNAME", "admin")
    monkeypatch.setenv("LOGYARD_SETUP_PASSWORD", "s3cret-pw")
    peer.answer("GET", "/", 401, {"error": {"type": "security_exception"}})
    code, out, err = _run(capsys, "setup", "opensearch", "--url", peer.url)
    sent = peer.seen[0][2].get("authorization")
    assert (code, sent) == (1, "Basic " + base64.b64encode(b"admin:s3cret-pw").decode())
    assert "the credentials were refused (401 Unauthorized)" in err
    assert "s3cret-pw" not in out + err


def test_a_username_without_a_password_is_a_usage_error(
    peer: Peer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``--username`` with the password variable unset: exit 2 before any request."""
    monkeypatch.delenv("LOGYARD_SETUP_PASSWORD", raising=False)
    code, _, err = _run(capsys, "setup", "elasticsearch", "--url", peer.url, "--username", "ops")
    assert (code, err, peer.seen) == (
        2,
        "Error: LOGYARD_SETUP_PASSWORD: not set; export the password of 'ops' in it\n",
        [],
    )


@pytest.mark.parametrize(
    ("target", "answer", "expected"),
    [
        (
            "elasticsearch",
            {"version": {"number": "8.12.2"}},
            "Elasticsearch 8.12.2 is too old; logyard needs Elasticsearch 8.13 or later "
            "(ILM wait_for_snapshot checks that the snapshot holds the index, "
            "elastic/elasticsearch#100911); upgrade the cluster",
        ),
        (
            "opensearch",
            {"version": {"number": "2.11.1", "distribution": "opensearch"}},
            "OpenSearch 2.11.1 is too old; logyard needs OpenSearch 2.15 or later "
            "(the wildcard field type of the catalogue mappings); upgrade the cluster",
        ),
        (
            "opensearch",
            ES_VERSION,
            "is Elasticsearch 8.13.4, not OpenSearch; run logyard setup elasticsearch instead",
        ),
        (
            "elasticsearch",
            {"hello": "world"},
            "does not answer like Elasticsearch (GET / has no version.number); check --url",
        ),
    ],
)
def test_wrong_or_old_cluster(
    peer: Peer, capsys: pytest.CaptureFixture[str], target: str, answer: object, expected: str
) -> None:
    """Too old, the other product, or not a cluster: one error, and only GET / was sent."""
    peer.answer("GET", "/", 200, answer)
    code, _, err = _run(capsys, "setup", target, "--url", peer.url)
    assert (code, err) == (1, f"Error: {peer.url}: {expected}\n")
    assert [(m, p) for m, p, _ in peer.seen] == [("GET", "/")]


def test_old_kibana(peer: Peer, capsys: pytest.CaptureFixture[str]) -> None:
    """Kibana 7 is refused by its /api/status version."""
    peer.answer("GET", "/api/status", 200, {"version": {"number": "7.17.9"}})
    code, _, err = _run(capsys, "setup", "kibana", "--url", peer.url)
    assert (code, err) == (
        1,
        f"Error: {peer.url}: Kibana 7.17.9 is too old; logyard needs Kibana 8.0 or later; "
        "upgrade it\n",
    )


def test_kibana_requests_on_the_wire(peer: Peer, capsys: pytest.CaptureFixture[str]) -> None:
    """Against a Kibana that has nothing yet: status, space (read, create), role (read,
    write), then the import into the space, each write with ``kbn-xsrf``."""
    peer.answer("GET", "/api/status", 200, {"version": {"number": "8.13.4"}})
    peer.answer("POST", "/api/spaces/space", 200, {"id": "logyard"})
    peer.answer("PUT", "/api/security/role/Support_Logs", 204, {})
    peer.answer(
        "POST",
        "/s/logyard/api/saved_objects/_import?overwrite=true",
        200,
        {"success": True, "successCount": 46},
    )
    code, out, _ = _run(capsys, "setup", "kibana", "--url", peer.url)
    sent = [(m, p, h.get("kbn-xsrf")) for m, p, h in peer.seen]
    assert sent == [
        ("GET", "/api/status", "true"),
        ("GET", "/api/spaces/space/logyard", "true"),
        ("POST", "/api/spaces/space", "true"),
        ("GET", "/api/security/role/Support_Logs", "true"),
        ("PUT", "/api/security/role/Support_Logs", "true"),
        ("POST", "/s/logyard/api/saved_objects/_bulk_get", "true"),
        ("POST", "/s/logyard/api/saved_objects/_import?overwrite=true", "true"),
    ]
    assert peer.seen[-1][2]["content-type"].startswith("multipart/form-data; boundary=")
    assert code == 0
    assert out.splitlines()[-1] == (
        "saved objects: 46 of 46 imported into logyard (new or different; the others unchanged)"
    )


def _kibana_holding(peer: Peer, objects: list[dict[str, object]]) -> None:
    """Script a Kibana 8 whose space, role and saved objects already exist."""
    from logyard.setup.kibana import kibana_role

    peer.answer("GET", "/api/status", 200, {"version": {"number": "8.13.4"}})
    space = {
        "id": "logyard",
        "name": "logyard",
        "description": "logyard: logs of the six systems",
        "disabledFeatures": [],
        "_reserved": False,
    }
    peer.answer("GET", "/api/spaces/space/logyard", 200, space)
    role = {"name": "Support_Logs", **kibana_role("logyard"), "transient_metadata": {}}
    peer.answer("GET", "/api/security/role/Support_Logs", 200, role)
    stored = [{**o, "version": "WzEsMV0=", "namespaces": ["logyard"]} for o in objects]
    peer.answer("POST", "/s/logyard/api/saved_objects/_bulk_get", 200, {"saved_objects": stored})
    peer.answer(
        "POST",
        "/s/logyard/api/saved_objects/_import?overwrite=true",
        200,
        {"success": True, "successCount": 1},
    )


def test_kibana_second_run_imports_nothing(peer: Peer, capsys: pytest.CaptureFixture[str]) -> None:
    """Everything already in place: no write at all, and the output says so."""
    from logyard.setup.kibana import saved_objects

    _kibana_holding(peer, saved_objects("kibana"))
    code, out, _ = _run(capsys, "setup", "kibana", "--url", peer.url)
    writes = [(m, p) for m, p, _ in peer.seen if m != "GET" and not p.endswith("_bulk_get")]
    assert (code, writes) == (0, [])
    assert out.splitlines()[-1] == "saved objects: all 46 unchanged in logyard; nothing imported"


def test_kibana_imports_only_what_changed(peer: Peer, capsys: pytest.CaptureFixture[str]) -> None:
    """One dashboard edited in Kibana: only that object is imported again."""
    from logyard.setup.kibana import saved_objects

    objects = saved_objects("kibana")
    edited = next(o for o in objects if o["id"] == "logyard-dashboard-mes")
    edited_copy = {**edited, "attributes": {**edited["attributes"], "title": "mine now"}}
    _kibana_holding(peer, [edited_copy if o is edited else o for o in objects])
    code, out, _ = _run(capsys, "setup", "kibana", "--url", peer.url)
    assert code == 0
    assert out.splitlines()[-1] == (
        "saved objects: 1 of 46 imported into logyard (new or different; the others unchanged)"
    )


def test_kibana_import_errors_are_reported(peer: Peer, capsys: pytest.CaptureFixture[str]) -> None:
    """An import answer with errors: exit 1 and the first problem shown."""
    peer.answer("GET", "/api/status", 200, {"version": {"number": "2.19.0"}})
    problem = {"id": "x", "type": "dashboard", "error": {"type": "missing_references"}}
    peer.answer(
        "POST",
        "/api/saved_objects/_import?overwrite=true",
        200,
        {"success": False, "successCount": 0, "errors": [problem]},
    )
    code, out, _ = _run(
        capsys, "setup", "kibana", "--url", peer.url, "--flavour", "opensearch-dashboards"
    )
    assert code == 1
    assert out.splitlines()[-1].startswith("saved objects: import failed (200); first problem:")
    assert peer.seen[-1][2]["securitytenant"] == "logyard"


def test_an_untrusted_certificate_names_the_fix(
    tls_peer: tuple[Peer, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """HTTPS with a certificate no system CA signed: say so and point at --ca-cert."""
    peer, _ = tls_peer
    code, _, err = _run(capsys, "setup", "opensearch", "--url", peer.url)
    assert code == 1
    assert err.startswith(f"Error: {peer.url}: TLS certificate verification failed (")
    assert err.endswith("; pass --ca-cert with the CA that signed the server's certificate\n")


def test_ca_cert_makes_the_certificate_trusted(
    tls_peer: tuple[Peer, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """With --ca-cert the same server is reached over TLS (and is then judged too old)."""
    peer, cert = tls_peer
    peer.answer("GET", "/", 200, {"version": {"number": "2.3.0", "distribution": "opensearch"}})
    code, _, err = _run(capsys, "setup", "opensearch", "--url", peer.url, "--ca-cert", str(cert))
    assert (code, err.split(": ", 2)[2]) == (
        1,
        "OpenSearch 2.3.0 is too old; logyard needs OpenSearch 2.15 or later (the wildcard "
        "field type of the catalogue mappings); upgrade the cluster\n",
    )


def test_a_missing_ca_file_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    """--ca-cert naming no file: exit 2 before any connection."""
    code, _, err = _run(
        capsys, "setup", "kibana", "--url", "https://127.0.0.1:1", "--ca-cert", "/nonexistent.pem"
    )
    assert (code, err) == (
        2,
        "Error: --ca-cert: /nonexistent.pem is not a readable file; check the path\n",
    )


def test_plain_http_to_a_tls_server(
    tls_peer: tuple[Peer, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """http:// to an HTTPS server: one error naming the URL, not a traceback."""
    peer, _ = tls_peer
    url = peer.url.replace("https://", "http://")
    code, _, err = _run(capsys, "setup", "elasticsearch", "--url", url)
    assert code == 1
    assert err.startswith(f"Error: {url}: ")
    assert "check" in err


def test_elasticsearch_with_security_disabled(
    peer: Peer, capsys: pytest.CaptureFixture[str]
) -> None:
    """Security off (basic license, xpack.security.enabled false): the role steps say so and
    are skipped; the run goes on and ends incomplete."""
    peer.answer("GET", "/", 200, ES_VERSION)
    disabled = {
        "error": {
            "type": "security_exception",
            "reason": "Security must be explicitly enabled when using a [basic] license. "
            "Enable security by setting [xpack.security.enabled] to [true] in the "
            "elasticsearch.yml file and restart the node.",
        },
        "status": 500,
    }
    for role in ("Support_Logs", "auditor", "logyard_writer"):
        peer.answer("GET", f"/_security/role/{role}", 500, disabled)
    code, out, _ = _run(capsys, "setup", "elasticsearch", "--url", peer.url, "--systems", "mes")
    lines = [line for line in out.splitlines() if line.startswith("role Support_Logs")]
    assert code == 1
    assert lines == [
        f"role Support_Logs: skipped; security is disabled on {peer.url}; enable it "
        "(xpack.security.enabled / the security plugin) and run setup again"
    ]


def test_a_user_without_privileges_is_told_per_step(
    peer: Peer, capsys: pytest.CaptureFixture[str]
) -> None:
    """403 on reading a role: that step fails naming the missing privilege; the rest goes on."""
    peer.answer("GET", "/", 200, ES_VERSION)
    forbidden = {"error": {"type": "security_exception", "reason": "action is unauthorized"}}
    peer.answer("GET", "/_security/role/auditor", 403, forbidden)
    code, out, _ = _run(capsys, "setup", "elasticsearch", "--url", peer.url, "--systems", "mes")
    lines = [line for line in out.splitlines() if line.startswith("role auditor")]
    assert code == 1
    assert lines == [
        "role auditor: failed; GET /_security/role/auditor answered 403 (security_exception: "
        "action is unauthorized); the user lacks the privilege to read it"
    ]
