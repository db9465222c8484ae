"""Tests of qgate.history: the store, the issue lifecycle, KPIs and `qgate history`."""
