"""The session engine: Django's database sessions whose cookie ends with the browser unless the
person chose "记住我" at sign-in.

Django makes a session with an explicit expiry (which IdleTimeoutMiddleware sets to the policy's
idle timeout) a persistent cookie; here the cookie is a browser-session cookie all the same unless
``REMEMBER_SESSION_KEY`` is set, while the server-side expiry still follows the idle timeout.
"""

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore

REMEMBER_SESSION_KEY = "_remember"


class SessionStore(DatabaseSessionStore):
    def get_expire_at_browser_close(self) -> bool:
        return not self.get(REMEMBER_SESSION_KEY, False)
