"""policy.http: per-thread sessions, and the environment's proxy settings read once per URL."""

import threading

import pytest
import responses

from pipeline import http


@pytest.fixture(autouse=True)
def _fresh_environment():
    http.environment.cache_clear()
    yield
    http.environment.cache_clear()


def test_each_thread_has_its_own_session_per_client():
    here = http.session("A")
    assert http.session("A") is here
    assert http.session("B") is not here
    other = []
    thread = threading.Thread(target=lambda: other.append(http.session("A")))
    thread.start()
    thread.join()
    assert other[0] is not here
    assert here.headers["User-Agent"] == "A"


def test_proxies_come_from_the_environment_honouring_no_proxy(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.internal:3128")
    monkeypatch.setenv("NO_PROXY", "classifier.internal")
    proxies = http.environment("https://rest.akismet.com/1.1/comment-check")["proxies"]
    assert proxies["https"] == "http://proxy.internal:3128"
    assert http.environment("https://classifier.internal/score")["proxies"] == {}


def test_a_ca_bundle_from_the_environment_is_used(monkeypatch):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/house-ca.pem")
    assert http.environment("https://classifier.internal/score")["verify"] == (
        "/etc/ssl/house-ca.pem"
    )


@responses.activate
def test_post_sends_the_client_name_and_lets_the_caller_override():
    responses.post("https://classifier.test/score", json={"ok": True})
    response = http.post("Parley-Test/1", "https://classifier.test/score", data=b"{}", timeout=2)
    assert response.json() == {"ok": True}
    assert responses.calls[0].request.headers["User-Agent"] == "Parley-Test/1"
