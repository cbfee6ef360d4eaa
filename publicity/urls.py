"""/publicity/: each room's URLs under one namespace, so every URL name stays ``publicity:…``.

Rooms: publication (board, notices, objections, locking), feedback (feedback talks),
boards (weekly progress, goals board) and dingtalk (work-group push).
"""

app_name = "publicity"

urlpatterns: list = []
