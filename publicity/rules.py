"""Every publicity room's permission rules, imported so that django-rules' autodiscovery (which
looks for ``publicity.rules``) registers them. Rooms never import this module."""
