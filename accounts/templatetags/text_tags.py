"""``{{ items|join_list }}``: a list in running text in the reader's language (accounts.text.join_list);
``{{ items|join_list:3 }}`` shows the first three and 等 ("and more") when there are more;
``{{ numbers|quarter_list }}`` names quarters of a year so."""

from django import template

from accounts.text import join_list as _join_list
from accounts.text import quarter_list as _quarter_list

register = template.Library()


@register.filter
def join_list(items, limit=None) -> str:
    return _join_list(items or (), limit=int(limit) if limit not in (None, "") else None)


@register.filter
def quarter_list(numbers) -> str:
    """Quarter numbers of one year as running text: 第3季度、第4季度 ("Q3, Q4")."""
    return _quarter_list(numbers)
