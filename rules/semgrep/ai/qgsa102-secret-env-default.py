import os
from os import getenv

# ruleid: QGSA102
SECRET_KEY = os.environ.get("SECRET_KEY", "dev-secret-key-change-me")

# ruleid: QGSA102
JWT_SECRET = os.getenv("JWT_SECRET", "supersecret")

# ruleid: QGSA102
API_KEY = getenv("OPENAI_API_KEY", "sk-test-1234")

# ok: QGSA102
DEBUG = os.environ.get("DEBUG", "false")

# ok: QGSA102
TOKEN = os.environ.get("GITHUB_TOKEN")

# ok: QGSA102
PASSWORD = os.environ.get("DB_PASSWORD", "")

# ok: QGSA102
DB_PASSWORD = os.environ["DB_PASSWORD"]
