"""The main menu's links, reversed once per route and process (`{% url_once %}`, `{% pk_url %}`,
villages/templatetags/pk_urls.py, issue 19): the same links as Django's `{% url %}` would give."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.template import engines
from django.template.loader import render_to_string
from django.urls import reverse, set_script_prefix

from villages.templatetags.pk_urls import url_once


def test_url_once_is_djangos_reverse_under_each_script_prefix():
    assert url_once("villages:people") == reverse("villages:people")
    assert url_once("dashboards:structure", "city", "all") == reverse("dashboards:structure", args=["city", "all"])
    try:
        set_script_prefix("/tracker/")
        assert url_once("villages:people") == reverse("villages:people") == "/tracker/people/"
    finally:
        set_script_prefix("/")
    assert url_once("villages:people") == "/people/"


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["secretary_a", "county_staff", "city_admin", "province_admin"])
def test_the_main_menu_links_what_djangos_url_tag_links(world, who, request):
    """The menu's links (reversed once per route: `url_once`, `pk_url`) are the ones `{% url %}` gives, per role."""
    user = request.getfixturevalue(who)
    ours = render_to_string("_nav.html", {"user": user})
    source = (Path(__file__).resolve().parent.parent / "templates" / "_nav.html").read_text()
    with_url_tag = re.sub(r"\{% (?:url_once|pk_url) ", "{% url ", source.replace("{% load pk_urls %}", ""))
    assert with_url_tag != source
    assert ours == engines["django"].from_string(with_url_tag).render({"user": user})
    assert reverse("villages:people") in ours
