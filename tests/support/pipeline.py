"""The whole pipeline driven through the CLI, as a user would: articles, subscribers, send."""

from __future__ import annotations

from pathlib import Path

from tests.support.cli import run_ok

ARTICLES = {
    "harbour.txt": (
        "Harbour Bridge Reopens After Repairs\n\nHarbour Bridge Reopens After Repairs\n\n"
        "The city's harbour bridge reopened on Monday after eight months of repairs. "
        "Engineers replaced two hundred steel cables. Traffic moved freely by noon.\n\n"
        "The mayor said the work came in under budget. Cyclists get a new lane.\n"
    ),
    "orchard.txt": (
        "Orchard Growers Expect Record Apple Harvest\n\n"
        "Orchard growers across the valley expect a record apple harvest this autumn. "
        "A mild spring and steady rain helped the trees. Prices may fall as a result.\n\n"
        "Pickers are in short supply, growers said.\n"
    ),
    "library.txt": (
        "Library Opens Late on Fridays\n\n"
        "The central library will stay open until ten on Fridays from next month. "
        "Volunteers will run a homework club in the evenings.\n"
    ),
}


def write_articles(folder: Path) -> Path:
    folder.mkdir()
    for name, body in ARTICLES.items():
        (folder / name).write_text(body, encoding="utf-8")
    return folder


def write_subscribers(path: Path, count: int = 3) -> Path:
    rows = ["email,name"] + [f"reader{i}@example.org,Reader {i}" for i in range(count)]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def prepare_newsletter(runner, tmp_path: Path, *create_options: str) -> None:
    """Newsletter `city` with the three sample articles and three active subscribers."""
    run_ok(runner, "newsletter", "create", "city", "--title", "City Digest", *create_options)
    run_ok(runner, "import", str(write_articles(tmp_path / "articles")), "--newsletter", "city")
    csv_path = str(write_subscribers(tmp_path / "s.csv"))
    run_ok(runner, "subscribers", "import", csv_path, "--newsletter", "city")


def build_and_send(runner, tmp_path: Path) -> int:
    prepare_newsletter(runner, tmp_path)
    edition_id = int(run_ok(runner, "build", "city").strip().splitlines()[-1])
    run_ok(runner, "send", str(edition_id))
    return edition_id
