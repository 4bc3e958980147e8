"""An offline captcha for the public vote: a small sum drawn as inline SVG, its answer derived from a signed nonce.

The signed token carries a random nonce and a binding (which browser token and which round, see
voter.captcha_binding); the question is an HMAC of the nonce under the app's secret key, so the page never contains
the answer. A token expires after MAX_AGE seconds. A question is answered once: check() hands the nonce to a
`spend` callback (objections_votes.spend_captcha, in the database) before it looks at the answer, so a replayed
token, or a second guess at the same question after a wrong one, is refused and the voter gets a new question.
"""

from __future__ import annotations

import hashlib
import hmac
import random
import secrets
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from itsdangerous import BadData, SignatureExpired, TimestampSigner, URLSafeTimedSerializer
from markupsafe import Markup

SALT = "awards-captcha"
MAX_AGE = 10 * 60  # seconds a drawn question stays answerable


def _now() -> float:
    """The clock of the signatures (tests move it)."""
    return time.time()


class _Signer(TimestampSigner):
    def get_timestamp(self) -> int:
        return int(_now())


class CaptchaError(Exception):
    """The answer was wrong, late or replayed; the message is for the voter."""


@dataclass(frozen=True)
class Question:
    left: int
    op: str  # "+" or "-"
    right: int

    @property
    def answer(self) -> int:
        return self.left + self.right if self.op == "+" else self.left - self.right

    @property
    def text(self) -> str:
        return f"{self.left}{self.op}{self.right}=?"


@dataclass(frozen=True)
class Challenge:
    token: str  # goes into the form as a hidden field
    question: Question
    svg: Markup


def _serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=SALT, signer=_Signer)


def question_for(nonce: str, secret_key: str) -> Question:
    """The sum a nonce stands for: 10–49 plus or minus 1–9, never negative."""
    digest = hmac.new(secret_key.encode(), f"captcha:{nonce}".encode(), hashlib.sha256).digest()
    return Question(10 + digest[0] % 40, "+" if digest[1] % 2 else "-", 1 + digest[2] % 9)


def issue(binding: str, secret_key: str) -> Challenge:
    """A fresh question for the browser and round described by `binding`."""
    nonce = secrets.token_urlsafe(9)
    question = question_for(nonce, secret_key)
    token = _serializer(secret_key).dumps({"n": nonce, "b": binding})
    return Challenge(token, question, draw(question, nonce))


def check(token: str, answer: str, binding: str, secret_key: str, spend: Callable[[str], bool]) -> None:
    """Accept the answer or raise CaptchaError saying what was wrong.

    `spend(nonce)` marks the question answered and returns False when it was answered before; it runs for every
    readable guess, right or wrong, so each question gets one guess.
    """
    try:
        payload = _serializer(secret_key).loads(token or "", max_age=MAX_AGE)
    except SignatureExpired:
        raise CaptchaError("验证码已过期，请按新的题目重新计算") from None
    except BadData:
        raise CaptchaError("验证码无效，请按新的题目重新计算") from None
    if not isinstance(payload, dict) or not isinstance(payload.get("n"), str):
        raise CaptchaError("验证码无效，请按新的题目重新计算")
    if not hmac.compare_digest(str(payload.get("b", "")), binding):
        # Issued to another browser (or this one lost its cookie).
        raise CaptchaError("验证码已失效，请按新的题目重新计算（如仍出现此提示，请允许浏览器保存本站 Cookie）")
    text = unicodedata.normalize("NFKC", answer or "").strip()  # full-width digits from a Chinese input method
    if not text.lstrip("-").isdigit() or len(text) > 4:
        raise CaptchaError("请填写算式的计算结果（数字）")
    if not spend(payload["n"]):
        raise CaptchaError("这道验证码题目已经作答过，每道题只能作答一次，请按新的题目重新计算")
    if int(text) != question_for(payload["n"], secret_key).answer:
        raise CaptchaError("验证码计算结果不正确，请按新的题目重新计算")


# ---------------------------------------------------------------- drawing

# Seven-segment strokes on a 16 × 28 cell: a top, b upper right, c lower right, d bottom, e lower left,
# f upper left, g middle. Drawn as lines, so the question is not text a script could read off the page.
_SEGMENTS = {
    "a": ((2, 2), (14, 2)), "b": ((14, 2), (14, 14)), "c": ((14, 14), (14, 26)), "d": ((2, 26), (14, 26)),
    "e": ((2, 14), (2, 26)), "f": ((2, 2), (2, 14)), "g": ((2, 14), (14, 14)),
}
_DIGITS = {"0": "abcdef", "1": "bc", "2": "abged", "3": "abgcd", "4": "fgbc", "5": "afgcd", "6": "afgedc",
           "7": "abc", "8": "abcdefg", "9": "abcdfg"}
_SIGNS = {
    "+": [((2, 14), (14, 14)), ((8, 8), (8, 20))],
    "-": [((2, 14), (14, 14))],
    "=": [((2, 10), (14, 10)), ((2, 18), (14, 18))],
    "?": [((3, 6), (8, 2)), ((8, 2), (13, 6)), ((13, 6), (13, 10)), ((13, 10), (8, 15)), ((8, 15), (8, 20)),
          ((8, 24), (8, 26))],
}
_CELL, _HEIGHT = 20, 40


def _strokes(char: str):
    if char in _DIGITS:
        return [_SEGMENTS[s] for s in _DIGITS[char]]
    return _SIGNS[char]


def draw(question: Question, nonce: str) -> Markup:
    """The question as an inline SVG: jittered, slightly turned strokes over a few light lines and dots."""
    rng = random.Random(nonce)  # the same nonce always draws the same picture
    width = _CELL * len(question.text) + 12
    parts = [f'<svg class="captcha-svg" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {_HEIGHT}" '
             f'width="{width * 2}" height="{_HEIGHT * 2}" role="img" aria-label="算术验证码">',
             '<rect width="100%" height="100%" fill="#fbf8f1"/>']
    for _ in range(5):
        x1, x2 = rng.uniform(0, width / 3), rng.uniform(width * 2 / 3, width)
        parts.append(f'<line x1="{x1:.1f}" y1="{rng.uniform(4, _HEIGHT - 4):.1f}" x2="{x2:.1f}" '
                     f'y2="{rng.uniform(4, _HEIGHT - 4):.1f}" stroke="#c9c2b4" stroke-width="1"/>')
    for _ in range(24):
        parts.append(f'<circle cx="{rng.uniform(0, width):.1f}" cy="{rng.uniform(0, _HEIGHT):.1f}" '
                     f'r="{rng.uniform(.4, 1.1):.1f}" fill="#b9b1a2"/>')
    for i, char in enumerate(question.text):
        x0, y0 = 6 + i * _CELL, 6 + rng.uniform(-2, 2)
        angle = rng.uniform(-12, 12)
        colour = rng.choice(("#2b2b2b", "#7a1a1f", "#1f3b63", "#3d4a2a"))
        lines = "".join(
            f'<line x1="{x1 + rng.uniform(-1, 1):.1f}" y1="{y1 + rng.uniform(-1, 1):.1f}" '
            f'x2="{x2 + rng.uniform(-1, 1):.1f}" y2="{y2 + rng.uniform(-1, 1):.1f}"/>'
            for (x1, y1), (x2, y2) in _strokes(char))
        parts.append(f'<g transform="translate({x0:.1f} {y0:.1f}) rotate({angle:.1f} 8 14) scale(.95)" '
                     f'stroke="{colour}" stroke-width="2.6" stroke-linecap="round">{lines}</g>')
    parts.append("</svg>")
    return Markup("".join(parts))
