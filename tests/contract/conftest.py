"""Fixtures of the contract suites: an ``osmem-server`` for the OpenSearch store."""

from tests.integration.opensearch._osmem import opensearch_url, osmem

__all__ = ["opensearch_url", "osmem"]
