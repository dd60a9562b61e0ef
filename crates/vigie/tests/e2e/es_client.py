"""Ships to vigie with the official Python Elasticsearch client, as any
application or script using it would: info(), then helpers.bulk().
Usage: es_client.py BASE_URL TOKEN FIXTURE_DIR
Prints a JSON summary line: how many documents were indexed.
"""

import json
import pathlib
import sys

from elasticsearch import Elasticsearch, helpers

base, token, fixtures = sys.argv[1], sys.argv[2], pathlib.Path(sys.argv[3])
es = Elasticsearch(f"{base}/es", basic_auth=("shipper", token), request_timeout=30)

info = es.info()
assert info["version"]["number"].startswith("8."), info
assert info["tagline"] == "You Know, for Search", info

trail = [json.loads(l) for l in (fixtures / "elastic/aws/cloudtrail/test-console-login-json.log").read_text().splitlines() if l.strip()]
audit = [json.loads(l) for l in (fixtures / "elastic/kubernetes/audit_logs/test-audit.log").read_text().splitlines() if '"auditID"' in l and '"protoPayload"' not in l]
actions = (
    [{"_index": "aws.cloudtrail", "_source": e} for e in trail]
    + [{"_index": "logs-kubernetes.audit-default", "_op_type": "create", "_source": e} for e in audit]
    + [{"_index": "app-logs", "_id": "custom-1", "_source": {"@timestamp": "2024-05-01T00:00:00Z", "message": "hello"}}]
    + [{"_op_type": "delete", "_index": "app-logs", "_id": "custom-1"}]
)
ok, errors = helpers.bulk(es, actions, raise_on_error=False, stats_only=False)
want = len(trail) + len(audit) + 1
assert ok == want, (ok, want, errors)
assert len(errors) == 1, errors
err = errors[0]["delete"]
assert err["status"] == 400 and "append-only" in err["error"]["reason"], err

# A wrong credential is refused (the client raises AuthenticationException).
bad = Elasticsearch(f"{base}/es", basic_auth=("shipper", "wrong"), request_timeout=30)
try:
    bad.info()
    sys.exit("a wrong token was accepted")
except Exception as e:  # elasticsearch.AuthenticationException
    assert "401" in str(e) or "AuthenticationException" in type(e).__name__, e

print(json.dumps({"indexed": ok, "cloudtrail": len(trail), "k8s": len(audit)}))
