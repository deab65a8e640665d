"""Fixtures of the alerting integration tests: an ``osmem-server`` for the OpenSearch store."""

from tests.integration.opensearch._osmem import opensearch_url, osmem

__all__ = ["opensearch_url", "osmem"]
