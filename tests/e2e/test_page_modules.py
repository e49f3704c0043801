"""The pages' shared modules in real Chromium: photos load lazily and a few at a time, and an
aborted request (a view left, a newer search) never shows its answer, even one that arrives."""

import pytest

from tests.e2e.browser import browser_page, wait_for
from tests.e2e.test_camera_off import PERSON, enrolled, sign_in  # noqa: F401 (fixture)

pytestmark = pytest.mark.browser

# 40 images 200 px high under a 768 px viewport; the API answers each photo after 100 ms.
LOAD_FORTY = """async () => {
  const { ImageLoader } = await import('/static/js/images.js');
  const state = { running: 0, most: 0, started: 0 };
  window.__photos = state;
  window.fetch = async () => {
    state.started++; state.running++; state.most = Math.max(state.most, state.running);
    await new Promise((r) => setTimeout(r, 100));
    state.running--;
    const svg = '<svg xmlns="http://www.w3.org/2000/svg"/>';
    return new Response(new Blob([svg], { type: 'image/svg+xml' }));
  };
  const box = document.createElement('div');
  document.body.prepend(box);
  const loader = new ImageLoader(() => 'key', 3);
  const signal = new AbortController().signal;
  for (let i = 0; i < 40; i++) {
    const img = document.createElement('img');
    img.className = 'probe';
    img.style.cssText = 'display:block;width:100px;height:200px';
    box.append(img);
    loader.show(img, '/photo/' + i, 'Photo', signal);
  }
}"""
SHOWN = "document.querySelectorAll('img.probe[src]').length"


def test_photos_load_near_the_viewport_and_at_most_a_few_at_once(stack):
    with browser_page(None) as page:
        page.goto(f"{stack.url}/admin")
        page.evaluate(LOAD_FORTY)
        wait_for(page, f"{SHOWN} >= 4 && window.__photos.running === 0", 30)
        first = page.evaluate("window.__photos.started")
        assert 4 <= first < 20  # what is near the viewport, not all 40
        page.evaluate("document.querySelector('img.probe:last-child').scrollIntoView()")
        wait_for(page, "document.querySelector('img.probe:last-child').src !== ''", 30)
        assert page.evaluate("window.__photos.most") <= 3
        assert page.evaluate("window.__photos.started") < 40  # the middle was never in view


def test_an_aborted_call_drops_an_answer_that_arrives_anyway(stack):
    with browser_page(None) as page:
        page.goto(f"{stack.url}/admin")
        said = page.evaluate(
            """async () => {
              const { apiFetch, isAbort } = await import('/static/js/api.js');
              window.fetch = async () => {  // ignores the signal: the answer comes regardless
                await new Promise((r) => setTimeout(r, 200));
                return new Response('{"items": []}', { status: 200 });
              };
              const stop = new AbortController();
              const call = apiFetch('/api/v1/employees', 'key', { signal: stop.signal });
              setTimeout(() => stop.abort(), 50);
              try { await call; return 'shown'; }
              catch (e) { return isAbort(e) ? 'dropped' : String(e); }
            }"""
        )
        assert said == "dropped"


def test_a_newer_search_wins_over_a_slower_older_one(stack, enrolled):  # noqa: F811
    with browser_page(None) as page:
        sign_in(page, stack, "/admin")
        page.wait_for_selector("#view-people", state="visible")
        # The search for "slow" answers after the newer one, with a row it must not show.
        page.evaluate(
            """() => {
              const real = window.fetch.bind(window);
              window.__slow = 'none';
              window.fetch = async (path, init) => {
                if (!String(path).includes('q=slow')) return real(path, init);
                window.__slow = 'asked';
                await new Promise((r) => setTimeout(r, 1500));
                window.__slow = 'answered';
                const stale = { employee_id: 'STALE', name: 'Stale answer', department: null,
                                faces: 1, last_checkin: null };
                return new Response(JSON.stringify({ total: 1, items: [stale] }), { status: 200 });
              };
            }"""
        )
        page.fill("#people-search", "slow")
        wait_for(page, "window.__slow === 'asked'")
        page.fill("#people-search", PERSON)
        wait_for(page, f"document.querySelector('[data-employee=\"{PERSON}\"]') !== null")
        wait_for(page, "window.__slow === 'answered'")
        assert "STALE" not in page.inner_text("#people-table")
        assert page.locator(f"[data-employee='{PERSON}']").count() == 1
