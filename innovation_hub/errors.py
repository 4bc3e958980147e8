"""Error pages in Chinese, and JSON errors under /api/."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

MESSAGES = {
    400: "请求有误",
    403: "没有权限访问此页面",
    404: "页面不存在",
    405: "不支持此请求方式",
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

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception):
        app.logger.exception("未处理的异常")
        if _wants_json():
            return jsonify(error=MESSAGES[500]), 500
        return render_template("errors/error.html", code=500, title=MESSAGES[500], detail=""), 500


def _is_chinese(text: str | None) -> bool:
    return bool(text) and any("\u4e00" <= ch <= "\u9fff" for ch in text)
