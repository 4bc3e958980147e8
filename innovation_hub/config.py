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
