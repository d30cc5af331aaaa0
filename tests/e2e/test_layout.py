"""Browser: every main page at 1280 and 390 px wide never scrolls sideways, and axe-core finds no
serious or critical accessibility violation on it, in English and in Spanish (whose words run longer)."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import login
from tests.e2e.main_pages import AXE, SHOTS, build_main_pages

pytestmark = pytest.mark.e2e
WIDTHS = (1280, 390)
LOCALES = ("en", "es")


@pytest.fixture
def main_pages(app):
    return build_main_pages(app)


def _context(browser, live_server, width: int, bypass_csp: bool = False, locale: str = "en"):
    context = browser.new_context(
        base_url=live_server,
        viewport={"width": width, "height": 900},
        bypass_csp=bypass_csp,
        extra_http_headers={"Accept-Language": locale},
    )
    page = context.new_page()
    page.set_default_timeout(20_000)
    return context, page


@pytest.mark.parametrize("locale", LOCALES)
def test_no_main_page_scrolls_sideways(browser, live_server, main_pages, locale):
    overflow: dict[str, tuple[int, list[str]]] = {}
    for width in WIDTHS:
        context, page = _context(browser, live_server, width, locale=locale)
        try:
            page.goto("/login")
            assert page.get_attribute("html", "lang") == locale
            _measure(page, f"login@{width}-{locale}", overflow, width)
            login(page, "staff", locale=locale)
            for name, path in main_pages.items():
                page.goto(path)
                _measure(page, f"{name}@{width}-{locale}", overflow, width)
        finally:
            context.close()
    assert overflow == {}


# The outermost elements that stick out on the right (to say what widens a page that scrolls sideways).
WIDEST = """() => {
  const edge = (el) => el.getBoundingClientRect().right;
  const out = [];
  for (const el of document.querySelectorAll('body *')) {
    if (!el.checkVisibility() || edge(el) <= window.innerWidth + 1) continue;
    const parent = el.parentElement;
    if (parent && parent.checkVisibility() && edge(parent) > window.innerWidth + 1) continue;
    const name = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + ' ' + (el.getAttribute('class') || '');
    out.push([Math.round(edge(el)), name]);
  }
  return out.sort((a, b) => b[0] - a[0]).slice(0, 3).map((x) => x[1] + ' ' + x[0]);
}"""


def _measure(page, name: str, overflow: dict[str, tuple[int, list[str]]], width: int) -> None:
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)
    extra = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    if extra > 0:
        overflow[name] = (extra, page.evaluate(WIDEST))


@pytest.mark.parametrize("locale", LOCALES)
def test_axe_finds_no_serious_violation_on_any_main_page(browser, live_server, main_pages, locale):
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `make axe` (part of `make test`), which installs axe-core with npm ci.")
    source = AXE.read_text(encoding="utf-8")
    found: dict[str, list[str]] = {}
    # The page's CSP allows no inline script; the test's own injected axe-core is let through.
    context, page = _context(browser, live_server, 1280, bypass_csp=True, locale=locale)
    try:
        page.goto("/login")
        _axe(page, source, "login", found)
        login(page, "staff", locale=locale)
        for name, path in main_pages.items():
            page.goto(path)
            _axe(page, source, name, found)
    finally:
        context.close()
    assert found == {}


def _axe(page, source: str, name: str, found: dict[str, list[str]]) -> None:
    page.add_script_tag(content=source)
    violations = page.evaluate(
        """async () => {
          const result = await axe.run(document, {resultTypes: ['violations']});
          return result.violations
            .filter((v) => v.impact === 'serious' || v.impact === 'critical')
            .map((v) => v.id + ': ' + v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | '));
        }"""
    )
    if violations:
        found[name] = violations


def test_the_menu_folds_into_a_details_on_narrow_screens_without_javascript(browser, live_server, app):
    from tests.builders import make_user
    from webapp.extensions import db

    make_user("staff", is_staff=True)
    db.session.commit()
    for width, folded in ((1280, False), (390, True)):
        context = browser.new_context(
            base_url=live_server, viewport={"width": width, "height": 900}, java_script_enabled=False
        )
        page = context.new_page()
        try:
            login(page, "staff")
            menu = page.locator("summary", has_text="Menu")
            assert menu.is_visible() is folded
            audit = page.get_by_role("navigation", name="Main").get_by_role("link", name="Audit")
            assert audit.is_visible() is not folded
            if folded:
                menu.click()  # a <details>: opens without JavaScript
                assert audit.is_visible()
                assert page.get_by_role("button", name="Log out").is_visible()
        finally:
            context.close()
