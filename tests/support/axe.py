"""axe-core in a page: the accessibility rules a page breaks, as one line each.

axe-core comes from package-lock.json (`make test` runs `npm ci`); run pytest alone without it
and these checks skip. The browser context must bypass the page's Content-Security-Policy,
which rightly forbids the injected script.
"""

from __future__ import annotations

from pathlib import Path

import pytest

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
SEVERE = frozenset({"serious", "critical"})

_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    where: v.nodes.slice(0, 3).map(n => n.target.join(" ")),
  }));
}"""


def axe_problems(page, impacts: frozenset[str] = SEVERE) -> list[str]:
    """The rules of `impacts` the page in `page` breaks, with up to three places each."""
    if not AXE.exists():
        pytest.skip("axe-core is not installed: `make test` installs it with npm ci")
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {'; '.join(v['where'])}"
        for v in page.evaluate(_RUN)
        if v["impact"] in impacts
    ]
