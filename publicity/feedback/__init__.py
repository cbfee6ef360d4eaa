"""Feedback talks after locking (结果反馈 · 谈心谈话 · 二级反馈), and the written result confirmed on screen."""
