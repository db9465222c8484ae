"""The one exception hierarchy. Raised anywhere, caught only in the CLI, which prints one line and exits 2."""

from __future__ import annotations


class QgateError(Exception):
    """Base of every error qgate reports to its user. ``str(err)`` is the one-line message."""

    exit_code = 2


class UsageError(QgateError):
    """Bad command-line usage: unknown path, conflicting options."""


class ConfigError(QgateError):
    """Invalid configuration. The message names the file and the key."""


class GitError(QgateError):
    """A git operation failed or the repository is in a state qgate cannot analyze correctly."""


class AnalyzerError(QgateError):
    """A scanner is missing, crashed or produced output qgate cannot read."""


class InputError(QgateError):
    """A file given to qgate (baseline, coverage, imported report) is missing, corrupt or foreign."""
