"""The soak's simulated people: a browser-like HTTP client (cookies, CSRF tokens from the forms) and the loops of
searchers, studios, the reviewing administrator, judges and public voters.

Standard library only (threads + http.client). Every request goes to 127.0.0.1; a voter sends from its own loopback
address (127.0.P.N), as a person on their own connection would. Each loop stops by itself when the phase's deadline
passes, and records what the site acknowledged (an id in a redirect, a 302) for the check against the database.
"""

from __future__ import annotations

import http.client
import random
import re
import socket
import threading
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urlsplit

CLIENT_TIMEOUT = 30  # seconds: a request without an answer by then is hung
HUNG_AFTER = 29  # a request that ends in an error after this long hung too (gunicorn killed its worker at 30 s)
VOTES_PER_VOTER = 25  # under the site's 30 votes per address per hour
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n" + b"%" * 2000 + b"\n"
TOPICS = ("高炉冷却壁在线监测装置改进", "数控车床刀具寿命预测方法", "变电站巡检机器人路径优化", "管道焊缝自动检测工装",
          "轧机导卫快速更换装置", "锅炉给水泵变频节能改造", "输煤皮带跑偏自动纠正装置", "PLC控制的液压站改造")

CSRF = re.compile(r'name="csrf_token"[^>]*?value="([^"]+)"')
CAPTCHA = re.compile(r'name="captcha_token" value="([^"]+)"')


@dataclass
class Answer:
    status: int
    location: str
    text: str


@dataclass
class Stats:
    """Every request's outcome, shared by all client threads."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    server_errors: list[str] = field(default_factory=list)
    hung: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)  # connection reset, refused… (not hung)
    acks: dict[str, list] = field(default_factory=lambda: {k: [] for k in (
        "created", "uploaded", "submitted", "approved", "returned", "scores", "votes")})

    @property
    def requests(self) -> int:
        return sum(self.statuses.values()) + len(self.hung) + len(self.failed)

    def answered(self, kind: str, label: str, status: int, elapsed: float) -> None:
        with self.lock:
            self.latencies[kind].append(elapsed)
            self.statuses[status] += 1
            if status >= 500:
                self.server_errors.append(f"{status} {label}")

    def broke(self, label: str, error: Exception, elapsed: float) -> None:
        with self.lock:
            if isinstance(error, TimeoutError) or elapsed >= HUNG_AFTER:
                self.hung.append(f"{label} ({type(error).__name__} after {elapsed:.1f} s)")
            else:
                self.failed.append(f"{label} ({type(error).__name__}: {error})")

    def ack(self, kind: str, item) -> None:
        with self.lock:
            self.acks[kind].append(item)


class Context:
    """What every client of a phase shares: servers, the set-up's accounts and round, the deadline, the stats."""

    def __init__(self, ports: list[int], setup: dict, stats: Stats, seconds: float, phase: int, secret_key: str):
        self.ports, self.setup, self.stats, self.phase, self.secret_key = ports, setup, stats, phase, secret_key
        self.seconds = seconds
        self.deadline = time.monotonic() + seconds
        self.stop = threading.Event()

    def running(self) -> bool:
        return not self.stop.is_set() and time.monotonic() < self.deadline

    def pause(self, rng: random.Random, low: float, high: float) -> None:
        self.stop.wait(min(rng.uniform(low, high), max(0.0, self.deadline - time.monotonic())))


class Browser:
    """One person's browser: its cookies, a new connection per request (gunicorn's sync workers close each one),
    no redirects followed (the Location is what a write acknowledges). Each request goes to any of the servers."""

    def __init__(self, ctx: Context, rng: random.Random, source: str | None = None):
        self.ctx, self.rng, self.source = ctx, rng, source
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, kind: str, body: bytes | None = None,
                content_type: str | None = None) -> Answer | None:
        port = self.rng.choice(self.ctx.ports)
        headers = {"User-Agent": "innovation-hub-soak", "Accept-Language": "zh-CN"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if content_type:
            headers["Content-Type"] = content_type
        label = f"{method} :{port}{path.split('?')[0]}"
        started = time.monotonic()
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=CLIENT_TIMEOUT,
                                          source_address=(self.source, 0) if self.source else None)
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            text = response.read().decode("utf-8", "replace")
        except (OSError, http.client.HTTPException) as error:
            self.ctx.stats.broke(label, error, time.monotonic() - started)
            return None
        finally:
            conn.close()
        self.ctx.stats.answered(kind, label, response.status, time.monotonic() - started)
        for header in response.headers.get_all("Set-Cookie") or ():
            for name, morsel in SimpleCookie(header).items():
                if morsel["max-age"] == "0" or morsel.value == "":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return Answer(response.status, urlsplit(response.headers.get("Location", "")).path, text)

    def get(self, path: str, kind: str = "page") -> Answer | None:
        return self.request("GET", path, kind)

    def post(self, path: str, fields: dict, kind: str) -> Answer | None:
        return self.request("POST", path, kind, urlencode(fields).encode(), "application/x-www-form-urlencoded")

    def upload(self, path: str, fields: dict, name: str, data: bytes, kind: str) -> Answer | None:
        boundary = uuid.uuid4().hex
        parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
                 for k, v in fields.items()]
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
                     f"Content-Type: application/pdf\r\n\r\n".encode() + data + b"\r\n")
        parts.append(f"--{boundary}--\r\n".encode())
        return self.request("POST", path, kind, b"".join(parts), f"multipart/form-data; boundary={boundary}")

    def login(self, username: str, password: str) -> bool:
        """Log in as a browser does: the form's CSRF token, then the POST; retried until it works or time is up."""
        while self.ctx.running():
            page = self.get("/login")
            token = csrf(page)
            if token:
                done = self.post("/login", {"csrf_token": token, "username": username, "password": password}, "login")
                if done is not None and done.status == 302:
                    return True
            self.ctx.pause(self.rng, 0.5, 1.0)
        return False


def csrf(answer: Answer | None) -> str | None:
    found = CSRF.search(answer.text) if answer is not None and answer.status == 200 else None
    return found.group(1) if found else None


# ---------------------------------------------------------------- the people


def searcher(ctx: Context, n: int) -> None:
    rng = random.Random(f"search-{ctx.phase}-{n}")
    browser = Browser(ctx, rng)
    while ctx.running():
        q = rng.choice(ctx.setup["queries"])
        if rng.random() < 0.8:
            browser.get("/api/v1/search?" + urlencode({"q": q}), "search")
        else:
            browser.get("/search?" + urlencode({"q": q}), "search")
        ctx.pause(rng, 0.1, 0.5)


def submitter(ctx: Context, n: int) -> None:
    """A studio: a new draft, its page (with the 查重 list), a proof file, submit; again and again."""
    rng = random.Random(f"studio-{ctx.phase}-{n}")
    browser = Browser(ctx, rng)
    if not browser.login(ctx.setup["studios"][n], ctx.setup["password"]):
        return
    serial = 0
    while ctx.running():
        serial += 1
        title = f"{ctx.setup['marker']}{ctx.phase}-{n + 1}-{serial:03d} {rng.choice(TOPICS)}"
        token = csrf(browser.get("/studio/achievements/new"))
        if token is None:
            ctx.pause(rng, 0.5, 1.0)
            continue
        created = browser.post("/studio/achievements/new", {
            "csrf_token": token, "title": title, "category": rng.choice(["innovation", "breakthrough", "invention"]),
            "year": str(date.today().year), "completers": "压测甲、压测乙", "value_wan": f"{rng.randint(1, 300)}.5",
            "summary": f"{title}：压力测试生成的示例成果，改进了设备，提高了效率。"}, "write:create")
        found = re.fullmatch(r"/studio/achievements/(\d+)", created.location) if created and created.status == 302 \
            else None
        if not found:
            continue
        record_id = int(found.group(1))
        ctx.stats.ack("created", [record_id, title])
        ctx.pause(rng, 0.2, 0.6)
        page = browser.get(f"/studio/achievements/{record_id}")
        token = csrf(page)
        if token is None:
            continue
        name = f"证明材料-{ctx.phase}-{n + 1}-{serial:03d}.pdf"
        uploaded = browser.upload(f"/studio/achievements/{record_id}/files", {"csrf_token": token}, name, PDF,
                                  "write:upload")
        if uploaded is not None and uploaded.status == 302:
            ctx.stats.ack("uploaded", [record_id, name])
        ctx.pause(rng, 0.2, 0.6)
        submitted = browser.post(f"/studio/achievements/{record_id}/submit", {"csrf_token": token}, "write:submit")
        if submitted is not None and submitted.status == 302:
            ctx.stats.ack("submitted", record_id)
        ctx.pause(rng, 0.5, 1.5)


def reviewer(ctx: Context) -> None:
    """The administrator: the queue filtered to the soak's titles; approves about three in four, returns the rest."""
    rng = random.Random(f"admin-{ctx.phase}")
    browser = Browser(ctx, rng)
    if not browser.login(*ctx.setup["admin"]):
        return
    decided: set[int] = set()
    while ctx.running():
        queue = browser.get("/admin/review?" + urlencode({"type": "achievement", "q": ctx.setup["marker"]}))
        waiting = sorted({int(i) for i in re.findall(r"/admin/review/achievement/(\d+)", queue.text)} - decided) \
            if queue is not None and queue.status == 200 else []
        for record_id in waiting:
            if not ctx.running():
                return
            decided.add(record_id)
            token = csrf(browser.get(f"/admin/review/achievement/{record_id}"))
            if token is None:
                continue
            approve = rng.random() < 0.75
            if approve:
                done = browser.post(f"/admin/review/achievement/{record_id}/approve", {"csrf_token": token},
                                    "write:approve")
            else:
                done = browser.post(f"/admin/review/achievement/{record_id}/return",
                                    {"csrf_token": token, "reason": "压力测试：请补充效益证明。"}, "write:return")
            # Decided: back to the queue. Already decided by someone: back to the record's page, with a warning.
            if done is not None and done.status == 302 and done.location == "/admin/review":
                ctx.stats.ack("approved" if approve else "returned", record_id)
            ctx.pause(rng, 0.3, 0.8)
        ctx.pause(rng, 1.0, 2.0)


def judge(ctx: Context, n: int) -> None:
    """A judge: every assigned entry of the soak's round, a draft of two criteria, then the whole score submitted."""
    rng = random.Random(f"judge-{ctx.phase}-{n}")
    browser = Browser(ctx, rng)
    username = ctx.setup["judges"][n]
    if not browser.login(username, ctx.setup["password"]):
        return
    round_id, criteria = ctx.setup["round_id"], ctx.setup["criteria"]
    listing = browser.get(f"/judge/rounds/{round_id}")
    entries = list(dict.fromkeys(int(i) for i in re.findall(r"/judge/entries/(\d+)", listing.text))) \
        if listing is not None and listing.status == 200 else []
    rng.shuffle(entries)
    for nomination_id in entries:
        points = {str(cid): f"{rng.randrange(0, 2 * top + 1) / 2:g}" for cid, top in criteria}
        for submit in (False, True):
            if not ctx.running():
                return
            token = csrf(browser.get(f"/judge/entries/{nomination_id}"))
            if token is None:
                break
            given = points if submit else dict(list(points.items())[:2])
            fields = {"csrf_token": token, **{f"c{cid}": p for cid, p in given.items()},
                      **({"submit_scores": "提交评分"} if submit else {"save_draft": "保存草稿"})}
            done = browser.post(f"/judge/entries/{nomination_id}/scores", fields,
                                "write:score" if submit else "write:draft")
            if done is None or done.status != 302:
                break
            ctx.stats.ack("scores", [nomination_id, username, given, submit])
            ctx.pause(rng, 0.5, 1.5)
    while ctx.running():  # all scored: the judge keeps an eye on its list
        browser.get(f"/judge/rounds/{round_id}")
        ctx.pause(rng, 2.0, 4.0)


def voter(ctx: Context, n: int) -> None:
    """A member of the public on its own address: the gallery, the captcha worked out, one vote per entry."""
    from itsdangerous import URLSafeTimedSerializer

    from innovation_hub.awards import captcha

    rng = random.Random(f"voter-{ctx.phase}-{n}")
    address = f"127.0.{ctx.phase}.{10 + n}"
    browser = Browser(ctx, rng, source=address)
    round_id = ctx.setup["round_id"]
    reader = URLSafeTimedSerializer(ctx.secret_key, salt=captcha.SALT)
    cast = 0
    while ctx.running() and cast < VOTES_PER_VOTER:
        page = browser.get(f"/awards/{round_id}/vote")
        token, challenge = csrf(page), CAPTCHA.search(page.text) if page is not None else None
        entries = re.findall(r'name="entry" value="(\d+)"', page.text) if page is not None else []
        if token is None or challenge is None or not entries:
            if page is not None and page.status == 200 and token and not entries:
                return  # voted for every entry today
            ctx.pause(rng, 1.0, 2.0)
            continue
        # The question a person reads off the picture; the soak knows the site's key, so it reads it off the token.
        answer = captcha.question_for(reader.loads(challenge.group(1))["n"], ctx.secret_key).answer
        entry = int(rng.choice(entries))
        done = browser.post(f"/awards/{round_id}/vote", {"csrf_token": token, "captcha_token": challenge.group(1),
                                                         "captcha_answer": str(answer), "entry": entry}, "write:vote")
        if done is not None and done.status == 302:
            cast += 1
            ctx.stats.ack("votes", [entry, address])
        spread = ctx.seconds / VOTES_PER_VOTER  # its votes spread over the whole phase
        ctx.pause(rng, 0.5 * spread, 1.5 * spread)


def start_all(ctx: Context, searchers: int, submitters: int, judges: int, voters: int) -> list[threading.Thread]:
    loops = [(searcher, (i,)) for i in range(searchers)] + [(submitter, (i,)) for i in range(submitters)] \
        + [(reviewer, ())] + [(judge, (i,)) for i in range(judges)] + [(voter, (i,)) for i in range(voters)]
    threads = [threading.Thread(target=run, args=(ctx, *args), daemon=True, name=f"{run.__name__}-{args}")
               for run, args in loops]
    for thread in threads:
        thread.start()
        time.sleep(0.02)  # not all 59 at the same instant
    return threads


def free_address_check(address: str) -> bool:
    """Whether this machine lets a client send from `address` (any 127.x.y.z on Linux)."""
    with socket.socket() as s:
        try:
            s.bind((address, 0))
        except OSError:
            return False
    return True
