"""Operations endpoints answer without a token; /metrics speaks Prometheus."""


def test_healthz_and_readyz(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json() == {"status": "ready"}


def test_metrics_counts_requests(client):
    client.get("/api/v1/users")
    text = client.get("/metrics").text
    assert (
        'platsa_requests_total{method="GET",route="/api/v1/users",status="401"} 1.0' in text
    )


def test_unknown_route_is_a_problem(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["status"] == 404
