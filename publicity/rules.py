"""Every publicity room's permission rules, imported so that django-rules' autodiscovery (which
looks for ``publicity.rules``) registers them. Rooms never import this module."""

from .boards import rules as boards_rules  # noqa: F401
from .dingtalk import rules as dingtalk_rules  # noqa: F401
from .feedback import rules as feedback_rules  # noqa: F401
from .publication import rules as publication_rules  # noqa: F401
from .reports import rules as reports_rules  # noqa: F401
