"""Error answers of the HWA routes in the body shapes a real engine may use (behaviours D1).

The spec lists each route's error statuses (400 "The provided parameters are not valid.", 401, 403, 404 "No job
with the provided ID was found in the plan.", …) and gives none of them a body schema. So a client may rely on the
status code and on nothing in the body: the simulator can answer with any of these shapes.

    json    {"code": 400, "messageId": "AWSJSM103E", "message": "AWSJSM103E The job … is not held …"}
    nested  {"error": {"code": "AWSJSM103E", "status": 400, "message": "…"}}
    text    text/plain: the message
    html    an application server's error page (text/html), the message in its body
    empty   no body at all
"""

from __future__ import annotations

import html
from http import HTTPStatus

import orjson

from resync_app.tws_simulator.ports import Answer


def error_answer(shape: str, status: int, message: str, message_id: str) -> Answer:
    if shape == "nested":
        body = {"error": {"code": message_id, "status": status, "message": message}}
        return status, {"Content-Type": "application/json"}, orjson.dumps(body)
    if shape == "text":
        return status, {"Content-Type": "text/plain; charset=utf-8"}, message.encode()
    if shape == "html":
        reason = _reason(status)
        page = (f"<!DOCTYPE html><html><head><title>Error {status}: {reason}</title>"
                f"<style>body{{font-family:sans-serif}}</style></head><body><h1>Error {status}: {reason}</h1>"
                f"<p>{html.escape(message)}</p><hr><address>HWA application server</address></body></html>")
        return status, {"Content-Type": "text/html; charset=utf-8"}, page.encode()
    if shape == "empty":
        return status, {}, b""
    body = {"code": status, "messageId": message_id, "message": message}
    return status, {"Content-Type": "application/json"}, orjson.dumps(body)


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


__all__ = ["error_answer"]
