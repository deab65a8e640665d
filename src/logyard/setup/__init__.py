"""``logyard setup elasticsearch|opensearch|kibana``: provision the distributed stack.

::

    options = cluster_options(rollover_size="100gb", retention_days=180)
    plan = elasticsearch_plan(options)           # pure: every request body
    client = HttpClient("https://es:9200", Credentials("admin", "…"), ca_cert=Path("ca.pem"))
    check_server(client, "elasticsearch")        # right product, recent enough, credentials
    apply_plan(plan, client, dry_run=False, force=False)   # idempotent; 0 = all in place
"""

from logyard.setup._apply import MINIMUM_VERSIONS, apply_plan, check_server, parse_version
from logyard.setup._elasticsearch import elasticsearch_plan, ilm_policy, slm_policy
from logyard.setup._http import Answer, Credentials, HttpClient
from logyard.setup._opensearch import ism_policy, opensearch_plan, sm_policy
from logyard.setup._options import ELASTIC_DEFAULT_SHARD_SIZE, ClusterOptions, cluster_options
from logyard.setup._roles import HIDDEN_FIELDS, ROLE_NAMES
from logyard.setup._steps import Plan, Request, Step

__all__ = [
    "ELASTIC_DEFAULT_SHARD_SIZE",
    "HIDDEN_FIELDS",
    "MINIMUM_VERSIONS",
    "ROLE_NAMES",
    "Answer",
    "ClusterOptions",
    "Credentials",
    "HttpClient",
    "Plan",
    "Request",
    "Step",
    "apply_plan",
    "check_server",
    "cluster_options",
    "elasticsearch_plan",
    "ilm_policy",
    "ism_policy",
    "opensearch_plan",
    "parse_version",
    "slm_policy",
    "sm_policy",
]
