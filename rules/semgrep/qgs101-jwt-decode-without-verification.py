import jwt
from jwt import decode as jwt_decode


def read_claims(token, key):
    # ruleid: QGS101
    claims = jwt.decode(token, options={"verify_signature": False})
    # ruleid: QGS101
    legacy = jwt.decode(token, key, verify=False)
    # ruleid: QGS101
    aliased = jwt_decode(token, key, algorithms=["HS256"], options={"verify_exp": True, "verify_signature": False})
    return claims, legacy, aliased


def read_claims_via_variable(token):
    options = {"verify_signature": False}
    # ruleid: QGS101
    return jwt.decode(token, options=options)


def verified(token, key):
    # ok: QGS101
    a = jwt.decode(token, key, algorithms=["HS256"])
    # ok: QGS101
    b = jwt.decode(token, key, algorithms=["RS256"], options={"verify_signature": True, "require": ["exp"]})
    # ok: QGS101
    c = jwt.decode(token, key, algorithms=["HS256"], options={"verify_aud": False})
    return a, b, c
