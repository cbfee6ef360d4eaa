"""DingTalk work-group robot push (钉钉), optional per organisation."""
