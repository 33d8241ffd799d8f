"""The org chart's rule, without a database."""

from accounts.org_chart import reports_to_themselves


def test_it_accepts_a_chain_that_ends_at_the_top():
    assert not reports_to_themselves({"ann": "bea", "bea": "cy", "cy": None}, "ann")


def test_it_refuses_a_chain_that_comes_back():
    assert reports_to_themselves({"ann": "bea", "bea": "cy", "cy": "ann"}, "ann")


def test_it_stops_on_a_loop_above_the_person():
    assert not reports_to_themselves({"ann": "bea", "bea": "cy", "cy": "bea"}, "ann")
