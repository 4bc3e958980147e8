"""Error pages in Chinese, and JSON errors under /api/."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from werkzeug.exceptions import HTTPException

MESSAGES = {
    400: "请求有误",
    403: "没有权限访问此页面",
    404: "页面不存在",
    405: "不支持此请求方式",
    409: "数据刚被他人修改",
    413: "上传的内容过大",
    429: "操作过于频繁，请稍后再试",
    500: "服务器出错了",
    503: "服务暂时不可用",
}


class BadRequest(HTTPException):
    """A 400 whose description is the Chinese message shown to the user."""

    code = 400


class PermissionDenied(HTTPException):
    """A 403 raised by a service when the actor may not do this; the description says why in Chinese."""

    code = 403


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def register(app: Flask) -> None:
    from flask_wtf.csrf import CSRFError

    @app.errorhandler(CSRFError)
    def handle_csrf(error: CSRFError):
        detail = "页面已过期或来源不明（安全校验失败），请刷新页面后重新提交"
        if _wants_json():
            return jsonify(error=detail), 400
        return render_template("errors/error.html", code=400, title=MESSAGES[400], detail=detail), 400

    @app.errorhandler(HTTPException)
    def handle_http(error: HTTPException):
        code = error.code or 500
        title = MESSAGES.get(code, "请求未能完成")
        # Werkzeug's own English descriptions are replaced; ours are already Chinese.
        detail = error.description if isinstance(error, BadRequest | PermissionDenied) or _is_chinese(
            error.description) else ""
        if _wants_json():
            return jsonify(error=detail or title), code
        return render_template("errors/error.html", code=code, title=title, detail=detail), code

    @app.errorhandler(DBAPIError)
    def handle_database(error: DBAPIError):
        # Two requests raced past what the services lock (e.g. the same new user name twice): the loser is
        # told to look again, never a 500. A busy database (a lock wait past its timeout) asks for a retry.
        if isinstance(error, IntegrityError) or _is_conflict(error):
            code, detail = 409, "数据刚被他人修改或已存在，请刷新页面后重试；您未保存的内容不会写入"
        elif _is_busy(error):
            code, detail = 503, "系统繁忙，请稍后重试"
        else:
            return handle_unexpected(error)
        app.logger.warning("database refused a write: %s", error.orig)
        if _wants_json():
            response = jsonify(error=detail)
        else:
            response = render_template("errors/error.html", code=code, title=MESSAGES[code], detail=detail)
        return response, code, ({"Retry-After": "2"} if code == 503 else {})

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception):
        app.logger.exception("未处理的异常")
        if _wants_json():
            return jsonify(error=MESSAGES[500]), 500
        return render_template("errors/error.html", code=500, title=MESSAGES[500], detail=""), 500


def _is_conflict(error: DBAPIError) -> bool:
    """PostgreSQL's serialization failure or deadlock: the transaction lost a race and was rolled back."""
    return getattr(error.orig, "sqlstate", None) in ("40001", "40P01")


def _is_busy(error: DBAPIError) -> bool:
    return isinstance(error, OperationalError) and ("database is locked" in str(error.orig)
                                                    or getattr(error.orig, "sqlstate", None) == "55P03")


def _is_chinese(text: str | None) -> bool:
    return bool(text) and any("\u4e00" <= ch <= "\u9fff" for ch in text)
