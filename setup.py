"""Packaging glue: the semgrep packs live in rules/ at the top of the repository and ship as qgate.packs."""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages("src"), "qgate.packs"],
    package_dir={"": "src", "qgate.packs": "rules"},
)
