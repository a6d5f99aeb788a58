"""The reports page in a real browser: charts drawn by Chart.js from /staff/api/reports,
after a handoff was requested, answered, resolved and rated through the real servers."""
import uuid

from playwright.sync_api import expect

from tests.integration.test_staff_ticket_page import open_console
from tests.integration.test_widget_browser import AXE
from tests.paths import ROOT

CHARTS = ["per-day", "times", "satisfaction", "topics", "unanswered"]


def rated_handoff(stack, sam):
    user = f"reports-{uuid.uuid4().hex[:10]}"
    stack.say(user, "what are the symptoms of ptsd")
    stack.say(user, "/request_human")
    ticket = next(t for t in sam.get("/staff/api/handoffs", status="open", limit=200).json()["items"]
                  if t["conversation_id"] == user)
    assert sam.post(f"/staff/api/handoffs/{ticket['id']}/claim").status_code == 200
    assert sam.post(f"/staff/api/handoffs/{ticket['id']}/messages", {"text": "Hello"}).status_code == 201
    assert sam.post(f"/staff/api/handoffs/{ticket['id']}/resolve", {"outcome": "answered"}).status_code == 200
    stack.say(user, '/rate_handoff{"rating": "5"}')
    return user


def test_the_reports_show_charts_of_handoffs_times_ratings_topics_and_misses(stack, browser, sam):
    rated_handoff(stack, sam)
    report = sam.get("/staff/api/reports").json()
    assert report["handoffs"]["total"] >= 1 and report["satisfaction"]["counts"]["5"] >= 1
    assert report["minutes_to_first_reply"]["n"] >= 1 and report["topics"]
    # Aggregates only: no conversation ids, no words.
    assert "reports-" not in str(report) and "symptoms of ptsd" not in str(report)

    base, page = open_console(stack, browser, bypass_csp=True)
    try:
        page.goto(f"{base}/staff/reports")
        for name in CHARTS:
            expect(page.locator(f"#{name}-summary")).not_to_be_empty()
        drawn = page.evaluate("""(names) => names.map((name) => {
          const canvas = document.getElementById(name + '-chart');
          const chart = Chart.getChart(canvas);
          const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
          let painted = 0;
          for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) painted++;
          return {name, type: chart && chart.config.type, painted,
                  values: chart ? chart.data.datasets.map((d) => d.data.reduce((a, b) => a + (b || 0), 0)) : null,
                  label: canvas.getAttribute('aria-label')};
        })""", CHARTS)
        by_name = {d["name"]: d for d in drawn}
        assert all(d["type"] and d["painted"] > 500 and d["label"] for d in drawn), drawn
        assert sum(by_name["per-day"]["values"]) == report["handoffs"]["total"]
        assert by_name["satisfaction"]["values"] == [report["satisfaction"]["n"]]
        assert by_name["topics"]["values"] == [sum(t["count"] for t in report["topics"])]
        expect(page.locator("#satisfaction-summary")).to_contain_text(f"{report['satisfaction']['n']} answers")

        # Another range redraws; a wrong one is refused with a reason.
        page.fill("#from", "2020-01-01")
        page.fill("#to", "2020-01-07")
        page.click("#range button")
        expect(page.locator("#per-day-summary")).to_have_text("0 handoffs (0 urgent); – opened out of hours.")

        page.add_script_tag(path=str(AXE))
        violations = page.evaluate("""async () => (await axe.run(document, {resultTypes: ['violations']})).violations
            .filter(v => v.impact === 'serious' || v.impact === 'critical').map(v => v.id)""")
        assert violations == []
    finally:
        page.context.close()
    assert sam.get("/staff/api/reports", **{"from": "2026-12-02", "to": "2026-12-01"}).status_code == 400


def test_the_vendored_chart_library_is_the_one_package_lock_names():
    vendored = ROOT / "bot" / "web" / "static" / "staff" / "vendor" / "chart.umd.min.js"
    installed = ROOT / "node_modules" / "chart.js" / "dist" / "chart.umd.min.js"
    assert vendored.read_bytes() == installed.read_bytes(), "copy node_modules/chart.js/dist/chart.umd.min.js"
