"""Edition view -> Jinja -> MJML -> HTML (once per edition), plus the plain-text part."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from functools import cache

import mjml
from jinja2 import Environment, FileSystemLoader, StrictUndefined, Template, select_autoescape
from markupsafe import Markup

from digest.render import wording
from digest.render.fitting import Markers, fit_html
from digest.render.headers import clean_header_text
from digest.render.personal import FieldTemplate, Placeholders, WebReader
from digest.render.snapshot import EditionView
from digest.render.topics import select_topics
from digest.settings import shipped

TEMPLATE_DIR = shipped("templates") / "email"
HTML_TEMPLATE = "digest.mjml.j2"
TEXT_TEMPLATE = "digest.txt.j2"
PREHEADER_CHARS = 140
# Invisible characters after the preheader keep inbox previews from running on into
# "View in your browser" and the masthead.
PREHEADER_FILLER = Markup("&#847;&zwnj;&nbsp;" * 24)


@dataclass(frozen=True)
class CompiledEdition:
    """An edition rendered once, with personal fields still as placeholders."""

    subject: str
    html: str
    text: str
    placeholders: Placeholders
    default_view_url: str
    shown_story_count: int
    dropped_story_count: int
    worst_case_html_bytes: int
    html_template: FieldTemplate = dataclasses.field(repr=False, compare=False)
    text_template: FieldTemplate = dataclasses.field(repr=False, compare=False)


def compile_edition(
    view: EditionView, *, max_html_bytes: int = 100_000, web: WebReader | None = None
) -> CompiledEdition:
    """Render the edition's HTML and text once, fitting the HTML into max_html_bytes.

    With `web` it is the web archive's page: the footer names no address.
    """
    placeholders = Placeholders.unused_in(repr(view))
    markers = Markers(placeholders.prefix)
    more_token = f"{placeholders.prefix}_more_"
    template = _environment().get_template(HTML_TEMPLATE)
    context = _context(view, placeholders) | {"web": web}
    source = template.render(context, markers=markers, more_label=more_token)
    html = mjml_to_html(source)
    worst_more_label = wording.describe_more(view.story_count)
    fitting = fit_html(html, markers, placeholders, worst_more_label, max_html_bytes)
    shown = _keep_stories(view, fitting.kept)
    html = fitting.html.replace(more_token, wording.describe_more(fitting.dropped))
    text = _render_text(shown, placeholders, fitting.dropped, web)
    return CompiledEdition(
        subject=clean_header_text(view.subject),
        html=html,
        text=text,
        placeholders=placeholders,
        default_view_url=view.archive_url,
        shown_story_count=shown.story_count,
        dropped_story_count=fitting.dropped,
        worst_case_html_bytes=fitting.worst_case_bytes,
        html_template=FieldTemplate.split(html, placeholders),
        text_template=FieldTemplate.split(text, placeholders),
    )


def compile_for_topics(
    view: EditionView, topics: frozenset[str] | None, *, max_html_bytes: int = 100_000
) -> CompiledEdition:
    """Compile the edition a reader of these topics gets (None: every story)."""
    return compile_edition(select_topics(view, topics), max_html_bytes=max_html_bytes)


def mjml_to_html(source: str) -> str:
    """Compile MJML to email HTML (comments kept: the fitting markers are comments)."""
    return mjml.mjml2html(source, disable_comments=False, fonts={})


def email_template(name: str) -> Template:
    """A template of templates/email in the email environment (.mjml.j2 autoescaped)."""
    return _environment().get_template(name)


@cache
def _environment() -> Environment:
    environment = Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        autoescape=select_autoescape(enabled_extensions=("mjml.j2",), default=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    environment.filters.update(
        long_date=wording.describe_date,
        coverage=wording.describe_coverage,
        paragraphs=wording.split_paragraphs,
        html_lines=wording.html_lines,
        linkify=wording.linkify,
    )
    return environment


def _context(view: EditionView, placeholders: Placeholders) -> dict[str, object]:
    return {
        "view": view,
        "subject": clean_header_text(view.subject),
        "sections": [(i, s) for i, s in enumerate(view.sections) if s.stories],
        "fields": placeholders.as_dict(),
        "preheader": _preheader(view),
        "preheader_filler": PREHEADER_FILLER,
        "more_url": view.more_url or view.archive_url,
        "default_intro": wording.default_intro(view.is_first),
        "reader_records": wording.describe_reader_records(
            view.records_reader_clicks, view.records_reader_opens
        ),
    }


def _preheader(view: EditionView) -> str:
    """Inbox preview text: the editor's, else the intro, else the leading titles."""
    leads = [section.stories[0].title for section in view.sections if section.stories]
    text = view.preheader or view.intro or " · ".join(leads) or view.subject
    text = " ".join(text.split())
    return text if len(text) <= PREHEADER_CHARS else text[: PREHEADER_CHARS - 1] + "…"


def _keep_stories(view: EditionView, kept: set[tuple[int, int]]) -> EditionView:
    sections = tuple(
        dataclasses.replace(
            s, stories=tuple(st for j, st in enumerate(s.stories) if (i, j) in kept)
        )
        for i, s in enumerate(view.sections)
    )
    return dataclasses.replace(view, sections=sections)


def _render_text(
    view: EditionView, placeholders: Placeholders, dropped: int, web: WebReader | None
) -> str:
    template = _environment().get_template(TEXT_TEMPLATE)
    return template.render(
        _context(view, placeholders) | {"web": web},
        more_label=wording.describe_more(dropped) if dropped else "",
    )
