from fastapi import HTTPException
from flask import jsonify


@app.route("/orders/<int:order_id>")
def get_order(order_id):
    try:
        return jsonify(load_order(order_id))
    except Exception as e:
        # ruleid: QGSA103
        return jsonify({"error": str(e)}), 500


@app.post("/upload")
def upload():
    try:
        save(request.files["f"])
    except ValueError as exc:
        # ruleid: QGSA103
        return {"status": "error", "message": str(exc)}, 400
    return {"status": "ok"}


@router.get("/users/{uid}")
async def read_user(uid: int):
    try:
        return await users.get(uid)
    except Exception as err:
        # ruleid: QGSA103
        raise HTTPException(status_code=500, detail=f"Database error: {err}")


def api_view(request):
    try:
        return JsonResponse(compute(request))
    except Exception as e:
        logger.exception("compute failed")
        # ok: QGSA103
        return JsonResponse({"error": "internal error"}, status=500)


def internal(rows):
    try:
        return parse(rows)
    except ValueError as e:
        # ok: QGSA103
        raise ParseError(str(e)) from e
