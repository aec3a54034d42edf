"""Learner content shown to an instructor, or in feedback, never runs script.

The formgrader renders a learner's submission as HTML on the Jupyter server's own origin,
with the instructor's session. nbconvert passes HTML outputs, SVG, JavaScript outputs and raw
HTML inside Markdown through as they are, so an ``<img onerror=…>`` in an output or a written
answer would run as the instructor (open a terminal, read ``source/``, change grades).

Two pieces, both enabled in ``nbgrader_config.py`` for the formgrader and for feedback:

- :class:`SanitiseLearnerContent`, a preprocessor: HTML and Markdown outputs are cleaned to
  an allow-list of tags and attributes; SVG becomes an image (an SVG inside ``<img>`` cannot
  run script); JavaScript, widget and every other active output is dropped (its plain-text
  fallback stays); raw cells are cleaned; output metadata keeps only numeric sizes (the
  template writes them into attributes unescaped).
- :func:`safe_markdown2html`, the Markdown filter: renders Markdown as nbconvert does, then
  cleans the resulting HTML, so raw HTML in a written answer is shown as text, not run.

Images are kept only as ``data:`` URLs, so learner content makes no request either. The
Content Security Policy on the formgrader's pages (``pmtech.serverext``) is the second line.
"""

from __future__ import annotations

import base64
import re

import bleach
from bleach.css_sanitizer import CSSSanitizer
from jinja2 import pass_context
from nbconvert.preprocessors import Preprocessor
from traitlets import Bool

TAGS = frozenset(
    [
        "a",
        "abbr",
        "b",
        "blockquote",
        "br",
        "caption",
        "code",
        "col",
        "colgroup",
        "dd",
        "del",
        "details",
        "div",
        "dl",
        "dt",
        "em",
        "figcaption",
        "figure",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "i",
        "img",
        "ins",
        "kbd",
        "li",
        "mark",
        "ol",
        "p",
        "pre",
        "q",
        "s",
        "samp",
        "small",
        "span",
        "strong",
        "sub",
        "summary",
        "sup",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "u",
        "ul",
    ]
)
SIZE = re.compile(r"^\d{1,5}(\.\d+)?(px|%)?$")
CLASS = re.compile(r"^[A-Za-z0-9_\- ]{0,200}$")
DATA_IMAGE = re.compile(r"^data:image/(png|jpeg|gif|webp|svg\+xml);base64,[A-Za-z0-9+/=\s]+$")
WEB_LINK = re.compile(r"^(https?://|mailto:|#)", re.IGNORECASE)
EMPTY_IMAGE = re.compile(r"<img(?![^>]*\ssrc=)[^>]*>")  # an image whose source was removed
CONTENT_BLOCKS = re.compile(r"<(style|script)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
SAFE_OUTPUT_KEYS = {"text/plain", "text/latex", "image/png", "image/jpeg", "application/json"}
CELL_ATTRIBUTES = {"align", "colspan", "rowspan", "title"}


def _allowed(tag: str, name: str, value: str) -> bool:
    """Attribute allow-list: no event handlers, styles, ids or requests."""
    if name == "class":
        return bool(CLASS.match(value))
    if tag == "img":
        if name == "src":
            return bool(DATA_IMAGE.match(value))
        return name in ("alt", "title") or (name in ("width", "height") and bool(SIZE.match(value)))
    if tag == "a":
        return name == "title" or (name == "href" and bool(WEB_LINK.match(value.strip())))
    if tag in ("td", "th", "col", "colgroup"):
        return name in CELL_ATTRIBUTES or (name == "width" and bool(SIZE.match(value)))
    if tag == "table":
        return name in ("border", "title")
    return name == "title"


_CLEANER = bleach.Cleaner(
    tags=TAGS,
    attributes=_allowed,
    protocols={"http", "https", "mailto", "data"},  # data: only passes _allowed on <img src>
    strip=False,  # disallowed markup is shown as text, so the grader sees what was tried
    strip_comments=True,
    css_sanitizer=CSSSanitizer(allowed_css_properties=()),
)


def clean_html(html: str) -> str:
    """``html`` with everything that could run script or make a request removed or escaped.

    ``<style>`` and ``<script>`` blocks go with their content (tables from pandas carry a
    style block that would otherwise show as text); everything else not allowed is escaped.
    """
    return EMPTY_IMAGE.sub("", _CLEANER.clean(CONTENT_BLOCKS.sub("", str(html))))


def markdown_to_safe_html(source: str, attachments=None, path: str = "") -> str:
    """Markdown rendered as nbconvert renders a notebook's (attachments, maths), then
    :func:`clean_html`: the one way learner Markdown becomes HTML here."""
    from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath

    renderer = IPythonRenderer(
        escape=False,
        attachments=attachments or {},
        path=path,
        anchor_link_text="",
        exclude_anchor_links=True,
    )
    return clean_html(MarkdownWithMath(renderer=renderer).render(source))


@pass_context
def safe_markdown2html(context, source: str) -> str:
    """The templates' Markdown filter: :func:`markdown_to_safe_html` for the cell rendered."""
    return markdown_to_safe_html(
        source,
        context.get("cell", {}).get("attachments", {}),
        context.get("resources", {}).get("metadata", {}).get("path", ""),
    )


def _text(value) -> str:
    """An output's data as one string (notebooks may store it as a list of lines)."""
    return "".join(value) if isinstance(value, list) else str(value)


def _svg_as_image(svg) -> str:
    encoded = base64.b64encode(_text(svg).encode("utf-8")).decode("ascii")
    return f'<img src="data:image/svg+xml;base64,{encoded}" alt="figure (SVG)">'


def _safe_metadata(metadata) -> dict:
    """Keep numeric width and height per mimetype; drop everything else."""
    out: dict = {}
    for key, value in dict(metadata or {}).items():
        if isinstance(value, dict):
            sizes = {
                k: v
                for k, v in value.items()
                if k in ("width", "height") and SIZE.match(str(v)) and not isinstance(v, bool)
            }
            if sizes:
                out[key] = sizes
    return out


def clean_output(output) -> None:
    """Make one code-cell output safe to render, in place."""
    if output.get("output_type") not in ("display_data", "execute_result"):
        return  # streams and errors are escaped by the templates
    data = output.get("data", {})
    for key in list(data):
        value = data[key]
        if key in SAFE_OUTPUT_KEYS:
            continue
        if key == "text/html":
            data[key] = clean_html(_text(value))
        elif key == "image/svg+xml":
            data.setdefault("text/html", _svg_as_image(value))
            del data[key]
        elif key == "text/markdown":
            data.setdefault("text/html", markdown_to_safe_html(_text(value)))
            del data[key]
        else:  # JavaScript, widget views and any other active or unknown type
            del data[key]
    output["metadata"] = _safe_metadata(output.get("metadata"))


class SanitiseLearnerContent(Preprocessor):
    """Clean every output and raw cell a learner produced (see the module docstring)."""

    enabled = Bool(True, help="Sanitise learner content before rendering (on by default).").tag(
        config=True
    )

    def preprocess_cell(self, cell, resources, index):
        """Clean one cell's outputs (code) or source (raw); Markdown is cleaned when rendered."""
        if cell.cell_type == "code":
            for output in cell.get("outputs", []):
                clean_output(output)
        elif cell.cell_type == "raw":
            cell.source = clean_html(cell.source)
        if "attachments" in cell:
            cell.attachments = {
                name: {k: v for k, v in bundle.items() if k in ("image/png", "image/jpeg")}
                for name, bundle in dict(cell.attachments).items()
            }
        return cell, resources
