from __future__ import annotations

import math
import re
from collections import Counter
from typing import Optional

import libcst as cst

from qgate.analyzers.cst.rule import CstRule, Invalid, Valid
from qgate.analyzers.cst.rules._ai import AI_TAG, is_test_path
from qgate.model import IssueType, Severity

# The last word of the name says it holds a credential (db_password, STRIPE_API_KEY, client_secret, token2).
_SECRET_NAME = re.compile(
    r"(?:^|_)(?:password|passwd|pwd|passphrase|pass_phrase|secret|secret_key|api_key|apikey|access_key|"
    r"secret_access_key|private_key|auth_token|access_token|refresh_token|api_token|token|client_secret|"
    r"credential|credentials|bearer|signing_key|encryption_key|master_key)\d*$"
)
# Values that are obviously not real secrets.
_PLACEHOLDER = re.compile(
    r"change_?me|changeit|x{3,}|\*{3,}|\.{3}|your[_\- ]|my[_\- ]?(?:secret|password|token|key)|example|dummy|sample|"
    r"placeholder|redacted|replace|fake|test|todo|insert|enter[_\- ]|^<.*>$|^\$\{.*\}$|^\{\{.*\}\}$|^%\(.*\)s$|"
    r"^(?:none|null|secret|password|default|empty|undefined|unknown)$",
    re.IGNORECASE,
)
_ENV_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")  # "GITHUB_TOKEN": the name of a variable, not its value
_WORDS = re.compile(r"^[_\-]*[a-z][a-z0-9]*(?:[_\-.:][a-z0-9]+)*$")  # "access_token", "auth.token": a field or key name
# Tokens with a well-known prefix: QGSA101 (semgrep) reports them wherever they are, not this rule.
KNOWN_PREFIX = re.compile(
    r"^(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|gh[pousr]_|github_pat_|glpat-|xox[abposr]-|sk_live_|rk_live_|sk-ant-|"
    r"sk-proj-|AIza|npm_|hf_|pypi-|-----BEGIN)"
)
MIN_LENGTH = 8
MIN_ENTROPY = 3.0


def snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower().replace("-", "_")


def shannon_entropy(value: str) -> float:
    counts = Counter(value)
    return -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())


def looks_like_secret(value: str) -> bool:
    """A literal that could be a real credential: long enough, no spaces, not a placeholder, a name, a URL
    or a template, and random-looking (Shannon entropy >= 3 bits per character, two kinds of characters)."""
    if len(value) < MIN_LENGTH or any(ch.isspace() for ch in value):
        return False
    if _PLACEHOLDER.search(value) or _ENV_NAME.match(value) or _WORDS.match(value):
        return False
    if "://" in value or value.startswith(("/", "./", "~")) or "%s" in value or "{}" in value:
        return False
    if len(set(value)) <= 2:
        return False
    classes = sum(
        (any(c.islower() for c in value), any(c.isupper() for c in value), any(c.isdigit() for c in value),
         any(not c.isalnum() for c in value))
    )  # fmt: skip
    return classes >= 2 and shannon_entropy(value) >= MIN_ENTROPY


def _name_of(target: cst.BaseExpression) -> str:
    if isinstance(target, cst.Name):
        return target.value
    if isinstance(target, cst.Attribute):
        return target.attr.value
    if isinstance(target, cst.SimpleString):
        value = target.evaluated_value
        return value if isinstance(value, str) else ""
    if isinstance(target, cst.Subscript) and len(target.slice) == 1:
        index = target.slice[0].slice
        if isinstance(index, cst.Index):
            return _name_of(index.value)
    return ""


def _literal(value: Optional[cst.BaseExpression]) -> Optional[str]:
    if isinstance(value, cst.SimpleString):
        evaluated = value.evaluated_value
        if isinstance(evaluated, bytes):
            evaluated = evaluated.decode("latin-1")
        return evaluated
    return None


class HardcodedCredential(CstRule):
    """Credentials should not be written in the source.

    A string literal that looks like a real secret (at least 8 characters, no spaces, random-looking:
    Shannon entropy of 3 bits per character or more, two kinds of characters) is assigned to a name,
    keyword argument, parameter default or dictionary key whose last word says it holds a credential
    (``password``, ``secret``, ``api_key``, ``token``, ``private_key``, ``client_secret``...). Anyone with
    the code (or its history) has the secret. Coding assistants paste keys from the conversation into
    the code "to make it work". Read it from the environment or a secret store, and rotate it.

    Stricter on false positives than bandit B105/B106/B107 (which flag by name only): placeholders
    (``changeme``, ``xxx``, ``<token>``, ``${TOKEN}``, ``your-api-key``, ``test...``), names of environment
    variables (``"GITHUB_TOKEN"``), field names (``"access_token"``), URLs, paths and templates are not
    secrets; test files are not checked. Tokens with a known prefix (``AKIA...``, ``ghp_...``) are left to
    the semgrep rule QGSA101, which finds them wherever they are.
    """

    id = "QGA106"
    name = "hardcoded-credential"
    type = IssueType.VULNERABILITY
    severity = Severity.CRITICAL
    effort_minutes = 30
    cwe = (798,)
    tags = (AI_TAG, "secrets", "security")

    VALID = [
        Valid(
            """
            API_KEY = os.environ["API_KEY"]
            password = "changeme"
            token = "<your-token-here>"
            secret = "${APP_SECRET}"
            TOKEN_ENV = "GITHUB_TOKEN"
            password_field = "Xk9#mP2$vL8@qR5"
            token_url = "https://auth.example.com/oauth/token"
            """
        ),
        Valid(
            """
            login(user="admin", password=getpass())
            settings = {"api_key": "api_key", "token": "access_token", "password": "12345678"}
            SESSION_TOKEN = "_password_reset_token"
            def connect(password=None, token=""):
                ...
            """
        ),
        Valid('DB_PASSWORD = "pR0d-Pa55w0rd!x"\n', path="tests/test_db.py"),
    ]
    INVALID = [
        Invalid(
            """
            DB_PASSWORD = "pR0d-Pa55w0rd!x"
            STRIPE_API_KEY: str = "rk_9fG2kLm8QzX4vB7nT1wY"
            self.client_secret = "a8Fj3kL0pQz7Xc2V"
            """,
            line=1,
            column=15,
            more=((2, 23), (3, 22)),
        ),
        Invalid(
            """
            client = Client(api_key="9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c", timeout=3)
            CONFIG = {"db": {"password": "Tr0ub4dor&3x"}}
            def connect(host, auth_token="eyJhbGciOiJIUzI1NiJ9.e30.ZRrHA1JJJW8opsbCGfG_HACGpVUMN_a9IV7pAx_Zmeo"):
                ...
            """,
            line=1,
            column=25,
            more=((2, 30), (3, 30)),
        ),
    ]

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._active = not is_test_path(self.path)

    def _check(self, name: str, value: Optional[cst.BaseExpression]) -> None:
        if not self._active or not name:
            return
        literal = _literal(value)
        if literal is None or not _SECRET_NAME.search(snake(name)) or not looks_like_secret(literal):
            return
        if KNOWN_PREFIX.match(literal):
            return
        assert value is not None
        self.report(
            value,
            f"'{name}' is assigned a hard-coded credential: read it from the environment or a secret store, "
            "and rotate it.",
        )

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            self._check(_name_of(target.target), node.value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._check(_name_of(node.target), node.value)

    def visit_Arg(self, node: cst.Arg) -> None:
        if node.keyword is not None:
            self._check(node.keyword.value, node.value)

    def visit_Param(self, node: cst.Param) -> None:
        self._check(node.name.value, node.default)

    def visit_DictElement(self, node: cst.DictElement) -> None:
        self._check(_name_of(node.key), node.value)
