"""The demo's story after its organisation, step by step in the order each builds on the one before:
the year's quarters and grades, the appraisals, discipline, the boards, publication, feedback talks.
``seed_demo`` runs them (then puts the bureau above the organisation); the browser tests that need
the whole story run the same steps."""

from .appraisals import build_demo_appraisals
from .boards import build_demo_boards
from .discipline import build_demo_discipline
from .feedback import build_demo_feedback
from .publication import build_demo_publication
from .year import build_demo_year

# The year's work and its appraisal (targets, summaries, evaluations/), then what leaves the system (publicity/).
APPRAISAL = (build_demo_year, build_demo_appraisals, build_demo_discipline)
PUBLICITY = (build_demo_boards, build_demo_publication, build_demo_feedback)
STORY = (*APPRAISAL, *PUBLICITY)
