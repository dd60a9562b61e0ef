"""A shipper written the way users write one: Python `requests`.

Pushes fixtures to vigie as a JSON array, as gzip NDJSON and as a
Falcosidekick payload, checks every reply, and prints a JSON summary line.
Usage: push_client.py BASE_URL TOKEN FIXTURE_DIR
"""

import gzip
import json
import pathlib
import sys

import requests

base, token, fixtures = sys.argv[1], sys.argv[2], pathlib.Path(sys.argv[3])
s = requests.Session()
s.headers["Authorization"] = f"Bearer {token}"
events = 0


def check(resp, want_status, what):
    if resp.status_code != want_status:
        sys.exit(f"{what}: expected HTTP {want_status}, got {resp.status_code}: {resp.text}")
    return resp.json()


# 1. GCP audit entry as a JSON array through the auto-detecting endpoint.
entry = json.loads((fixtures / "elastic/gcp/audit/test-iamcredentials-googleapis-com.log").read_text().splitlines()[0])
reply = check(s.post(f"{base}/api/v1/ingest", json=[entry, entry]), 200, "gcp array")
assert reply["accepted"] == 2 and reply["events"] == 2 and reply["rejected"] == 0, reply
events += reply["events"]

# 2. Kubernetes audit NDJSON, gzip-compressed, with one broken line.
lines = [l for l in (fixtures / "elastic/kubernetes/audit_logs/test-audit.log").read_text().splitlines() if '"auditID"' in l and '"protoPayload"' not in l]
body = "\n".join(lines[:2] + ['{"kind":"Event",'] + lines[2:]) + "\n"
resp = s.post(
    f"{base}/api/v1/ingest/kubernetes.audit",
    data=gzip.compress(body.encode()),
    headers={"Content-Type": "application/x-ndjson", "Content-Encoding": "gzip"},
)
reply = check(resp, 200, "k8s gzip ndjson")
assert reply["accepted"] == len(lines), reply
assert [e["index"] for e in reply["errors"]] == [2], reply
assert reply["errors"][0]["error"].startswith("invalid JSON"), reply
events += reply["events"]

# 3. A Falcosidekick webhook payload.
payload = json.loads((fixtures / "falcosidekick/test_payloads_extracted.jsonl").read_text().splitlines()[0])["raw"]
reply = check(s.post(f"{base}/api/v1/falco", data=payload, headers={"Content-Type": "application/json"}), 200, "falco")
assert reply["events"] == 1, reply
events += reply["events"]

# 4. A wrong token is refused with a JSON error.
resp = requests.post(f"{base}/api/v1/ingest", json={"a": 1}, headers={"Authorization": "Bearer nope"})
err = check(resp, 401, "bad token")
assert err["error"] == "invalid token", err

print(json.dumps({"events": events}))
