"""公务员主管部门: a civil-service bureau's read-only view of the organisations it oversees.

Aggregates only, never a person's content: per organisation and year, participation, the grade
distribution against the 好 quota, the summaries' on-time rate, inspection compliance, publication
and objection counts and the 优秀 share. It reads every app, so it lives in the composition root.
"""
