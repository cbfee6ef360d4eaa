"""A summary read in English (a user test): the browser tab says it in English as the heading
does, the return reason follows "Reason for returning: " with a space, the year's list names the
months and writes its deadlines as English dates. The Chinese pages read as before."""

import re

from django.urls import reverse

from summaries import services


def _english(client):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    return client


def test_the_tab_and_the_return_reason_read_in_english(client_for, submitted, staff, head):
    services.summary_return(summary=submitted, actor=head, reason="请补充预算编制进度")
    url = reverse("summaries:detail", args=[submitted.pk])
    chinese = client_for(staff).get(url).content.decode()
    english = _english(client_for(staff)).get(url).content.decode()

    title = re.search(r"<title>(.*?)</title>", english, re.S).group(1)
    assert "work summary for 10/2026" in title and "小结" not in title and "年" not in title
    assert "Reason for returning: </strong>请补充" in english
    assert re.search(r"<title>\S+ 2026年10月小结", chinese)
    assert "退回原因：</strong>请补充" in chinese


def test_the_years_list_names_its_months_and_writes_english_dates(client_for, summary, staff):
    chinese = client_for(staff).get(reverse("summaries:list")).content.decode()
    english = _english(client_for(staff)).get(reverse("summaries:list")).content.decode()

    october = english.split('data-testid="month-10"')[1].split("</li>")[0]
    assert ">October</div>" in october and "Due Nov 5, 2026" in october
    assert "Month 10" not in english
    october = chinese.split('data-testid="month-10"')[1].split("</li>")[0]
    assert ">10月</div>" in october and "截止 2026-11-05" in october
