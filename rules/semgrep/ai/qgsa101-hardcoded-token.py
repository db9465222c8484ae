import boto3
import requests

# ruleid: QGSA101
AWS_ACCESS_KEY_ID = "AKIAZ7Q4XK2M3N5P6R8T"

# ok: QGSA101
DOCS_KEY = "AKIAIOSFODNN7EXAMPLE"


def client():
    return boto3.client(
        "s3",
        # ruleid: QGSA101
        aws_access_key_id="ASIAW3E5R7T9Y2U4I6O8",
        aws_secret_access_key=os.environ["AWS_SECRET_ACCESS_KEY"],
    )


def open_issue(title):
    # ruleid: QGSA101
    headers = {"Authorization": "token ghp_4f9Kx2Lm8QzR7vB1nT5wY3cE6hJ0pA9sD2gF"}
    return requests.post(URL, json={"title": title}, headers=headers, timeout=10)


# ruleid: QGSA101
SLACK_TOKEN = "xoxb-2048-1024-aB3dE5fG7hJ9kL1mN3pQ5rS7"

# ruleid: QGSA101
STRIPE = "sk_live_51HxQ2aBc3DeF4gHi5JkL6mNo7PqR"

# ruleid: QGSA101
PRIVATE_KEY = """-----BEGIN RSA PRIVATE KEY-----
MIIEowIBAAKCAQEAx
-----END RSA PRIVATE KEY-----"""

# ok: QGSA101
PLACEHOLDER = "ghp_XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"

# ok: QGSA101
TOKEN = os.environ.get("GITHUB_TOKEN")
