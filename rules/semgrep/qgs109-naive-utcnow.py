import datetime
from datetime import datetime as dt
from datetime import timezone


def stamps(ts):
    # ruleid: QGS109
    a = datetime.datetime.utcnow()
    # ruleid: QGS109
    b = dt.utcfromtimestamp(ts)
    # ok: QGS109
    c = dt.now(timezone.utc)
    # ok: QGS109
    d = datetime.datetime.fromtimestamp(ts, tz=timezone.utc)
    return a, b, c, d
