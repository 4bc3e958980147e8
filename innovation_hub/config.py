"""Safe defaults; instance/config.py, then FLASK_* environment variables override them."""

SQLALCHEMY_ENGINE_OPTIONS: dict = {}
SQLALCHEMY_RECORD_QUERIES = False
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = False
WTF_CSRF_TIME_LIMIT = None
MAX_CONTENT_LENGTH = 12 * 1024 * 1024
# Lists shown on one page of the public catalogue.
PER_PAGE = 20
# A studio is due for 复核 (re-confirmation) this many years after its naming or its last passed 复核.
STUDIO_RECHECK_YEARS = 3
SITE_NAME = "劳模和工匠人才创新工作室成果库"
SHORT_SITE_NAME = "创新工作室成果库"  # in the navigation bar of a phone
ORG_NAME = "市总工会"
# Rendered public pages kept per worker while the catalogue is unchanged (0 turns the cache off).
PAGE_CACHE_ENTRIES = 512
# werkzeug's password hashing method (its default, scrypt); tests set a cheap one.
PASSWORD_HASH_METHOD = "scrypt"
# A logged-in session ends after this long without a request, and in any case this long after the login.
SESSION_IDLE_MINUTES = 30
SESSION_MAX_HOURS = 12
# How many reverse proxies (nginx, the intranet's gateway) stand in front of the site. 0: the peer's
# address is the client's. N: werkzeug's ProxyFix trusts the last N X-Forwarded-For entries (and the
# nearest proxy's X-Forwarded-Proto and -Host). Set it only when every request passes those proxies:
# otherwise a client can write its own X-Forwarded-For and dodge the per-address login limits.
TRUSTED_PROXIES = 0
# Search (search/): a search answers with what it has after this many seconds, saying it may be incomplete.
SEARCH_TIME_LIMIT = 3.0
# After each write transaction, apply its jobs to this server's index at once. Off only in tests that never
# search: the jobs wait in the change log, and the next search (or reindex, flask check) applies them.
SEARCH_DRAIN_AFTER_WRITES = True
# How often (seconds, per process) a search looks whether the change log moved past this server's index.
SEARCH_LOG_CHECK_SECONDS = 1.0
# No write transaction stays open longer than this (seconds): a missing log id older than it was rolled back.
SEARCH_LOG_SETTLE_SECONDS = 600
# An index (one per server) that has not reported for this long (seconds) no longer holds the log's pruning back.
SEARCH_INDEX_LIVE_SECONDS = 2 * 24 * 3600
# A missing index found while serving is rebuilt during the request up to this many documents, else in the background.
SEARCH_INLINE_REBUILD_MAX = 300
# Where proof files are kept: a folder inside the instance folder by default. With several app servers on
# one database, set it to a folder all of them mount (an absolute path); each keeps its own search index.
UPLOADS_FOLDER = "uploads"
# A site on a database server (not SQLite) must set SECRET_KEY: every app server signs the same cookies.

# Ledger (台账) import limits. An xlsx is a zip archive: it is checked before it is opened (a few MiB can
# inflate to gigabytes, an "Excel bomb"), and each sheet's rows while they are read. A 100k-row ledger is
# about 11 MiB, with 78 MiB uncompressed (47 MiB of it the shared-strings table), compressed 6–8 times.
LEDGER_MAX_ROWS = 100_000  # rows of one sheet below its header, blank rows included
LEDGER_MAX_FILE_BYTES = 64 * 1024 * 1024  # the xlsx file
LEDGER_MAX_MEMBERS = 1000  # files inside the archive (Excel writes a dozen or so)
LEDGER_MAX_MEMBER_BYTES = 256 * 1024 * 1024  # one file inside, uncompressed
LEDGER_MAX_TOTAL_BYTES = 512 * 1024 * 1024  # all files inside, uncompressed
LEDGER_HEARTBEAT_TIMEOUT = 30  # seconds without a heartbeat after which a web import's worker is taken as dead
LEDGER_MAX_RATIO = 100  # uncompressed ÷ compressed size of one file of 1 MiB or more
