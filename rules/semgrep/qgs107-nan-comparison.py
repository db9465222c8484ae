import math

import numpy as np


def is_missing(value):
    # ruleid: QGS107
    if value == float("nan"):
        return True
    # ruleid: QGS107
    return math.nan != value


def filter_rows(rows):
    # ruleid: QGS107
    return [row for row in rows if row.score == np.nan]


def parse(text):
    # ruleid: QGS107
    return float(text) == float("NaN")


def correct(value, limit):
    # ok: QGS107
    a = math.isnan(value)
    # ok: QGS107
    b = value == float("inf")
    # ok: QGS107
    c = value == limit
    return a, b, c
