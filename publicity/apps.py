from importlib import import_module

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PublicityConfig(AppConfig):
    name = "publicity"
    verbose_name = _("公示与反馈")

    def ready(self) -> None:
        from accounts import audit

        from .boards import models as boards
        from .feedback import models as feedback
        from .publication import models as publication

        # The rooms' job kinds, registered where their runners are written (accounts.jobs.kind).
        for module in ("dingtalk.services", "feedback.services", "publication.jobs", "reports.services"):
            import_module(f"{self.name}.{module}")
        for model in (*feedback.AUDITED, *boards.AUDITED, *publication.AUDITED):
            audit.register(model)

        from evaluations.annual.selectors import register_sent_back_reader
        from evaluations.annual.services import register_published_reader
        from evaluations.welfare.selectors import register_final_by_date_reader, register_publication_window_reader

        from .publication.selectors import (
            annual_list_posted,
            annual_result_sent_back,
            annual_results_published,
            annual_results_regrading,
            annual_year_closed,
            welfare_final_by_date,
            welfare_publication_window,
        )

        # A decided 优秀 on a posted list keeps its decision when a veto comes (HR reviews it), the
        # committee changes no decision on it, and adds nobody to it; a result decided after the
        # year's close is locked as the close locked the others.
        register_published_reader(
            annual_results_published,
            list_posted=annual_list_posted,
            regrading=annual_results_regrading,
            year_closed=annual_year_closed,
        )
        # A year's line sent back to the committee follows its new decision at once (evaluations
        # tells of the results decided again; one query for them all, none for the others).
        from evaluations.annual.services import register_decided_again_follower

        from .publication.services import entries_follow_decision

        register_decided_again_follower(entries_follow_decision)
        # The committee deciding a result sent back again reads why (the upheld objections).
        register_sent_back_reader(annual_result_sent_back)
        # A public-welfare worker's page names the window of their line on the board.
        register_publication_window_reader(welfare_publication_window)
        # Its list, page and workbook say 已定 once the line's window is over by the locking rule.
        register_final_by_date_reader(welfare_final_by_date)
        # The person's year (考核档案), offered on their staff page.
        from accounts.pages import register_person_page_link

        from .reports.selectors import person_year_link

        register_person_page_link(person_year_link)
