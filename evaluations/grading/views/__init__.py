"""Views of the evaluations app, one module per feature; each module defines its ``urlpatterns``."""
