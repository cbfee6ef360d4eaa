"""The one mechanism by which a room lends a room below it what only it knows (accounts.hooks)."""

from accounts.hooks import Hooks
from accounts.services import _MOVE_NOTES, _PERSON_LEFT, _POLICY_CHANGED, _STATUS_REMOVAL_NOTES


def test_a_function_registered_twice_is_called_once_so_nothing_is_said_twice():
    notes = Hooks()
    said = notes.register(lambda person: [f"{person} moved"])
    notes.register(said)
    notes.register(lambda person: [])
    notes.register(lambda person: [f"{person} graded", "again"])
    assert notes.gather("张三") == ["张三 moved", "张三 graded", "again"]


def test_first_answer_that_is_not_empty_and_the_union_of_sets():
    readers = Hooks()
    assert readers.first(1, default="") == ""
    readers.register(lambda ids: set())
    readers.register(lambda ids: {ids[0]})
    readers.register(lambda ids: set(ids[1:]))
    assert readers.first([3, 4]) == {3}
    assert readers.union([3, 4, 5]) == {3, 4, 5}


def test_run_calls_every_follower_in_the_order_registered():
    calls = []
    followers = Hooks()
    followers.register(lambda who, day: calls.append(("first", who, day)))
    followers.register(lambda who, day: calls.append(("second", who, day)))
    followers.run("李四", "2026-12-01")
    assert calls == [("first", "李四", "2026-12-01"), ("second", "李四", "2026-12-01")]


def test_the_rooms_above_registered_their_functions_at_start_up():
    # grading says what a move, a leaver and a status removal leave behind; the year-end room
    # recomputes the year when a policy changes: each registered once, at start-up.
    for hooks in (_MOVE_NOTES, _PERSON_LEFT, _STATUS_REMOVAL_NOTES, _POLICY_CHANGED):
        registered = list(hooks)
        assert len(registered) == 1
        assert registered[0].__module__.startswith("evaluations.")
