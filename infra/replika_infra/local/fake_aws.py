"""The stand-in AWS credentials and region of every run on moto (``replika dev``, the tests, the
benchmarks). Imports nothing: callers set it before any PynamoDB model is imported."""

from __future__ import annotations

#: Credentials moto accepts (never real ones) and the region every stack is made in.
FAKE_AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "ap-southeast-3",
}
