"""Operations endpoints answer without a token; /metrics speaks Prometheus."""

from api.metrics import REGISTRY


def test_healthz_and_readyz(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json() == {"status": "ready", "suggestions": "running"}


def test_metrics_counts_requests(client):
    # the registry is process-wide, so compare before and after rather than absolutes
    labels = {"method": "GET", "route": "/api/v1/users", "status": "401"}
    before = REGISTRY.get_sample_value("platsa_requests_total", labels) or 0.0
    client.get("/api/v1/users")
    text = client.get("/metrics").text
    assert REGISTRY.get_sample_value("platsa_requests_total", labels) == before + 1
    assert 'platsa_requests_total{method="GET",route="/api/v1/users",status="401"}' in text


def test_unknown_route_is_a_problem(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["status"] == 404
