"""Uploads a directory tree to an S3 bucket (creating the bucket when
missing), one object per file, the key being the file's relative path.

Used by the vigie-input S3 tests against moto's server mode:
    python3 put_objects.py ENDPOINT BUCKET DIR
"""
import os
import sys

import boto3


def main():
    endpoint, bucket, root = sys.argv[1:4]
    s3 = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    existing = [b["Name"] for b in s3.list_buckets().get("Buckets", [])]
    if bucket not in existing:
        s3.create_bucket(Bucket=bucket)
    keys = []
    for dirpath, _, files in os.walk(root):
        for f in files:
            full = os.path.join(dirpath, f)
            keys.append((os.path.relpath(full, root).replace(os.sep, "/"), full))
    for key, full in sorted(keys):
        with open(full, "rb") as fh:
            s3.put_object(Bucket=bucket, Key=key, Body=fh.read())
        print(key)


if __name__ == "__main__":
    main()
