import hashlib
import hmac


def check_signature(secret, body, received):
    # ruleid: QGS103
    if hmac.new(secret, body, hashlib.sha256).hexdigest() == received:
        return True
    expected = hmac.new(secret, body, hashlib.sha256).digest()
    # ruleid: QGS103
    return received != expected


def check_incremental(secret, chunks, received):
    mac = hmac.new(secret, digestmod="sha256")
    for chunk in chunks:
        mac.update(chunk)
    signature = mac.hexdigest()
    # ruleid: QGS103
    return signature == received


def check_oneshot(secret, body, received):
    # ruleid: QGS103
    return hmac.digest(secret, body, "sha256") == received


def check_safely(secret, body, received):
    expected = hmac.new(secret, body, hashlib.sha256).hexdigest()
    # ok: QGS103
    return hmac.compare_digest(expected, received)


def checksum_matches(data, published):
    # ok: QGS103
    return hashlib.sha256(data).hexdigest() == published
