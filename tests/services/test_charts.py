"""The SVG chart builders and the weekly review outcomes they draw: exact shapes and week boundaries."""

from __future__ import annotations

from datetime import datetime

import pytest
from bs4 import BeautifulSoup

from tests.builders import make_course, make_user
from tests.proctoring.builders import make_attempt, make_exam, make_review
from webapp.extensions import db
from webapp.services.charts import Column, Segment, column_chart, stacked_bar
from webapp.services.proctoring.queue import weekly_outcomes
from webapp.wording import plural


def _rects(svg: str) -> list[dict[str, str]]:
    return [dict(r.attrs) for r in BeautifulSoup(svg, "html.parser").find_all("rect")]


def test_stacked_bar_splits_the_width_in_proportion_and_skips_empty_segments():
    svg = stacked_bar([Segment("A", 1, "good"), Segment("B", 0, "bad"), Segment("C", 3, "warn")], width=400)
    track, a, c = _rects(svg)
    assert track["class"] == ["chart-track"]
    assert (a["class"], a["x"], a["width"]) == (["chart-good"], "0", "100")
    assert (c["class"], c["x"], c["width"]) == (["chart-warn"], "100", "300")
    assert 'aria-hidden="true"' in svg and "style=" not in svg  # no inline style: the CSP allows none


def test_a_tiny_segment_stays_visible_and_the_bar_still_fills_the_width():
    _, big, tiny = _rects(stacked_bar([Segment("A", 999, "good"), Segment("B", 1, "bad")], width=100))
    assert float(tiny["width"]) >= 1.9
    assert float(big["width"]) + float(tiny["width"]) == pytest.approx(100, abs=0.2)


def test_an_all_zero_bar_is_only_its_track():
    assert len(_rects(stacked_bar([Segment("A", 0), Segment("B", 0)]))) == 1


def test_labels_are_escaped_and_bad_segments_refused():
    assert "<b>" not in stacked_bar([Segment("<b>x</b>", 1, "good")])
    with pytest.raises(ValueError):
        Segment("A", -1)
    with pytest.raises(ValueError):
        Segment("A", 1, "purple")


def test_column_chart_puts_each_total_above_its_column_on_one_scale():
    svg = column_chart(
        [Column("w1", (Segment("A", 2, "good"), Segment("B", 2, "bad"))), Column("w2", (Segment("A", 0, "good"),))],
        height=140,
    )
    soup = BeautifulSoup(svg, "html.parser")
    assert [t.get_text() for t in soup.select("text.chart-value")] == ["4", "0"]
    assert [t.get_text() for t in soup.select("text.chart-label")] == ["w1", "w2"]
    heights = [float(r["height"]) for r in soup.find_all("rect")]
    assert heights == [51.0, 51.0]  # the tallest column fills the plot (140 - 20 label - 18 top = 102)


@pytest.mark.parametrize(("count", "text"), [(0, "0 rows"), (1, "1 row"), (2, "2 rows"), (2000, "2,000 rows")])
def test_plural_says_one_or_many(count, text):
    assert plural(count, "{n} row", "{n} rows") == text


def test_weekly_outcomes_count_each_review_in_its_monday_week(app_ctx):
    staff = make_user("staff", is_staff=True)
    exam = make_exam(make_course("course-v1:X+Y+Z"), name="Midterm")
    now = datetime(2026, 12, 2, 12, 0)  # a Wednesday; this week starts Monday 30 Nov
    when = {
        "first-second": (datetime(2026, 11, 30, 0, 0, 0), "Clean"),  # this week, its very first second
        "last-sunday": (datetime(2026, 11, 29, 23, 59, 59), "Suspicious"),  # the week before
        "oldest-shown": (datetime(2026, 10, 12, 0, 0, 0), "Rules Violation"),  # 7 weeks before: shown
        "too-old": (datetime(2026, 10, 11, 23, 59, 59), "Not Reviewed"),  # 8 weeks before: left out
    }
    for name, (created, status) in when.items():
        review = make_review(make_attempt(exam, make_user(name)), status)
        review.created = created
    db.session.commit()
    weeks = weekly_outcomes(staff, now=now)
    assert (weeks[0].label, weeks[-1].label, len(weeks)) == ("12 Oct", "30 Nov", 8)
    values = {w.label: {s.label: s.value for s in w.segments if s.value} for w in weeks}
    assert values["30 Nov"] == {"Clean": 1}
    assert values["23 Nov"] == {"Suspicious": 1}
    assert values["12 Oct"] == {"Rules Violation": 1}
    assert sum(w.total for w in weeks) == 3
