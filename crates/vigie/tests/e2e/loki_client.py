"""A Loki shipper as Promtail and Grafana Alloy are: protobuf + snappy.

Builds `logproto.PushRequest` at run time from a FileDescriptorProto (no
protoc), compresses it with snappy's block format (cramjam), posts it and a
gzip JSON push with `requests`, checks every reply and the refusal counters
in /metrics, then prints a JSON summary line.
Usage: loki_client.py BASE_URL TOKEN FIXTURE_DIR
"""

import gzip
import json
import pathlib
import sys

import cramjam
import requests
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
from google.protobuf import timestamp_pb2

base, token, fixtures = sys.argv[1], sys.argv[2], pathlib.Path(sys.argv[3])
push_url = f"{base}/loki/api/v1/push"


def build_classes():
    """The logproto messages, as in Loki's push.proto."""
    f = descriptor_pb2.FileDescriptorProto(
        name="vigie_test/push.proto",
        package="logproto",
        syntax="proto3",
        dependency=["google/protobuf/timestamp.proto"],
    )
    F = descriptor_pb2.FieldDescriptorProto
    opt, rep = F.LABEL_OPTIONAL, F.LABEL_REPEATED

    def msg(name, fields):
        m = f.message_type.add(name=name)
        for number, (fname, ftype, label, type_name) in enumerate(fields, start=1):
            fd = m.field.add(name=fname, number=number, type=ftype, label=label)
            if type_name:
                fd.type_name = type_name

    msg("PushRequest", [("streams", F.TYPE_MESSAGE, rep, ".logproto.StreamAdapter")])
    msg("StreamAdapter", [
        ("labels", F.TYPE_STRING, opt, None),
        ("entries", F.TYPE_MESSAGE, rep, ".logproto.EntryAdapter"),
        ("hash", F.TYPE_UINT64, opt, None),
    ])
    msg("EntryAdapter", [
        ("timestamp", F.TYPE_MESSAGE, opt, ".google.protobuf.Timestamp"),
        ("line", F.TYPE_STRING, opt, None),
        ("structuredMetadata", F.TYPE_MESSAGE, rep, ".logproto.LabelPairAdapter"),
    ])
    msg("LabelPairAdapter", [
        ("name", F.TYPE_STRING, opt, None),
        ("value", F.TYPE_STRING, opt, None),
    ])
    pool = descriptor_pool.DescriptorPool()
    pool.AddSerializedFile(timestamp_pb2.DESCRIPTOR.serialized_pb)
    pool.Add(f)
    return message_factory.GetMessageClass(pool.FindMessageTypeByName("logproto.PushRequest"))


PushRequest = build_classes()


def post(body, ctype, encoding=None, auth=True):
    headers = {"Content-Type": ctype}
    if encoding:
        headers["Content-Encoding"] = encoding
    # Promtail's basic_auth: the tenant as user, the token as password.
    return requests.post(push_url, data=body, headers=headers, auth=("tenant-1", token) if auth else None)


def expect(resp, status, what):
    if resp.status_code != status:
        sys.exit(f"{what}: expected HTTP {status}, got {resp.status_code}: {resp.text}")
    return resp


# 1. Protobuf + snappy: a Promtail-like stream of syslog and app lines, and
#    a stream of CloudTrail records routed by its dataset label.
cloudtrail = [l for l in (fixtures / "elastic/aws/cloudtrail/test-console-login-json.log").read_text().splitlines() if l.strip()]
req = PushRequest()
s = req.streams.add(labels='{job="varlogs", filename="/var/log/auth.log", host="edge-1"}')
e = s.entries.add(line="<86>Jan  5 10:00:00 bastion sshd[42]: Accepted publickey for deploy from 10.1.2.3 port 5555 ssh2")
e.timestamp.seconds, e.timestamp.nanos = 1_704_448_800, 0
e = s.entries.add(line="payment service started in 3.2s")
e.timestamp.seconds, e.timestamp.nanos = 1_704_448_801, 250_000_000
e.structuredMetadata.add(name="trace_id", value="4bf92f35")
s = req.streams.add(labels='{job="cloudtrail", dataset="aws.cloudtrail"}')
for i, line in enumerate(cloudtrail):
    e = s.entries.add(line=line)
    e.timestamp.seconds = 1_704_448_900 + i
body = bytes(cramjam.snappy.compress_raw(req.SerializeToString()))
expect(post(body, "application/x-protobuf"), 204, "protobuf push")

# 2. JSON, gzip-compressed, as Vector and Fluent Bit can send it.
doc = {"streams": [{"stream": {"job": "vector", "instance": "vec-0"},
                    "values": [["1704449000000000000", "json pushed line", {"user": "alice"}]]}]}
resp = post(gzip.compress(json.dumps(doc).encode()), "application/json", encoding="gzip")
expect(resp, 204, "json gzip push")

# 3. Refusals: each with its status, each counted.
expect(post(b"\x0a\x01\x00", "application/x-protobuf"), 400, "corrupt snappy")
broken = bytes(cramjam.snappy.compress_raw(b"\x0a\x64\x01"))
resp = expect(post(broken, "application/x-protobuf"), 400, "broken protobuf")
assert "invalid protobuf PushRequest" in resp.text, resp.text
lying = b"\x80\x80\x80\x80\x08\x00a"
resp = expect(post(lying, "application/x-protobuf"), 413, "lying snappy length")
assert "2147483648" in resp.text, resp.text
expect(post(b"x", "text/plain"), 415, "wrong content type")
expect(post(body, "application/x-protobuf", auth=False), 401, "no token")

metrics = requests.get(f"{base}/metrics", headers={"Authorization": f"Bearer {token}"}).text
for reason in ["corrupt_snappy", "protobuf", "decompressed_too_large", "content_type"]:
    series = f'vigie_ingest_request_errors_total{{input="loki",reason="{reason}"}} 1'
    assert series in metrics.splitlines(), f"{series} missing:\n{metrics}"
series = f'vigie_ingest_records_total{{dataset="aws.cloudtrail",outcome="accepted"}} {len(cloudtrail)}'
assert series in metrics.splitlines(), f"{series} missing:\n{metrics}"

print(json.dumps({"events": 3 + len(cloudtrail), "cloudtrail": len(cloudtrail)}))
