"""/publicity/: each room's URLs under one namespace, so every URL name stays ``publicity:…``.

Rooms: publication (board, notices, objections, locking), feedback (feedback talks),
boards (weekly progress, goals board) and dingtalk (work-group push).
"""

from .boards.urls import urlpatterns as boards_urls
from .dingtalk.urls import urlpatterns as dingtalk_urls
from .feedback.urls import urlpatterns as feedback_urls
from .publication.urls import urlpatterns as publication_urls

app_name = "publicity"

urlpatterns: list = [*boards_urls, *dingtalk_urls, *feedback_urls, *publication_urls]
