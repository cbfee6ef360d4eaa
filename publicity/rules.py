"""Every publicity room's permission rules, imported so that django-rules' autodiscovery (which
looks for ``publicity.rules``) registers them. Rooms never import this module."""

from .boards import rules as boards_rules  # noqa: F401
from .dingtalk import rules as dingtalk_rules  # noqa: F401
