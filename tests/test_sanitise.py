"""Is learner content rendered for an instructor cleaned of everything that runs script or
makes a request, while honest tables, images and text survive?"""

from __future__ import annotations

import pytest
from nbformat.notebooknode import NotebookNode

from pmtech.grading.sanitise import clean_html, clean_output, safe_markdown2html
from pmtech.serverext import add_nonce, policy

PNG = "data:image/png;base64,iVBORw0KGgo="


@pytest.mark.parametrize(
    "payload",
    [
        '<img src="/x" onerror="alert(1)">',
        "<script>alert(1)</script>",
        '<svg onload="alert(1)"><circle/></svg>',
        '<a href="javascript:alert(1)">x</a>',
        '<a href=" JaVaScRiPt:alert(1)">x</a>',
        '<iframe srcdoc="&lt;script&gt;alert(1)&lt;/script&gt;"></iframe>',
        '<div style="background:url(/x)">x</div>',
        '<object data="/x"></object>',
        '<meta http-equiv="refresh" content="0;url=/x">',
        '<form action="/x"><button>go</button></form>',
        '<img src="https://example.org/track.png">',
        '<a href="data:text/html,<script>alert(1)</script>">x</a>',
        '<base href="/x/">',
        '<link rel="stylesheet" href="/x.css">',
        '<details open ontoggle="alert(1)">x</details>',
        '<img src="data:text/html;base64,PHNjcmlwdD4=">',
    ],
)
def test_active_markup_is_removed_or_shown_as_text(payload):
    from bs4 import BeautifulSoup

    cleaned = clean_html(payload)
    for tag in BeautifulSoup(cleaned, "html.parser").find_all(True):
        assert tag.name not in ("script", "svg", "iframe", "object", "meta", "form", "base")
        for name, value in tag.attrs.items():
            assert not name.startswith("on"), cleaned
            assert name not in ("style", "srcdoc", "action", "data"), cleaned
            if name in ("src", "href"):
                assert value.startswith(("data:image/", "https://", "http://", "mailto:", "#"))
                assert not (tag.name == "img" and not value.startswith("data:image/"))


def test_honest_html_survives():
    table = '<table class="dataframe" border="1"><tr><th>a</th><td colspan="2">42</td></tr></table>'
    assert '<td colspan="2">42</td>' in clean_html(table)
    image = f'<img src="{PNG}" alt="chart" width="300">'
    assert clean_html(image) == image
    assert clean_html('<a href="https://docs.example/x">docs</a>') == (
        '<a href="https://docs.example/x">docs</a>'
    )
    assert "pandas" not in clean_html("<style>.pandas {color: red}</style><p>x</p>")


def test_markdown_keeps_its_formatting_and_loses_its_script():
    source = (
        "# Title\n\nCode `a < b` and <img src=x onerror=alert(1)>\n\n> quoted\n\n[x](javascript:y)"
    )
    rendered = safe_markdown2html({"cell": {}}, source)
    assert "<h1" in rendered and "<code>a &lt; b</code>" in rendered
    assert "<blockquote>" in rendered
    assert "onerror" not in rendered and "javascript:" not in rendered


def test_outputs_keep_their_safe_form():
    html = NotebookNode(
        output_type="display_data",
        data={"text/html": '<b onclick="x()">bold</b>', "text/plain": "bold"},
        metadata={"text/html": {"isolated": True}},
    )
    svg = NotebookNode(
        output_type="display_data",
        data={"image/svg+xml": '<svg onload="alert(1)"/>', "text/plain": "figure"},
        metadata={},
    )
    js = NotebookNode(
        output_type="display_data",
        data={"application/javascript": "alert(1)", "text/plain": "<Javascript>"},
        metadata={},
    )
    forged = NotebookNode(
        output_type="display_data",
        data={"image/png": "iVBORw0KGgo="},
        metadata={"image/png": {"width": "1 onerror=alert(1)", "height": 20}},
    )
    for output in (html, svg, js, forged):
        clean_output(output)
    assert html.data["text/html"] == "<b>bold</b>" and html.metadata == {}
    assert set(svg.data) == {"text/html", "text/plain"}
    assert svg.data["text/html"].startswith('<img src="data:image/svg+xml;base64,')
    assert set(js.data) == {"text/plain"}
    assert forged.metadata == {"image/png": {"height": 20}}


def test_the_policy_lets_only_the_page_s_own_head_scripts_run():
    page = (
        b"<html><head><script src='/static/a.js'></script><SCRIPT>var x = 1;</SCRIPT>"
        b"</head><body><script>learner()</script></body></html>"
    )
    out = add_nonce(page, "n0nce")
    head, body = out.split(b"</head>")
    assert head.count(b'nonce="n0nce"') == 2
    assert b"nonce" not in body
    assert "script-src 'nonce-n0nce'" in policy("n0nce") and "img-src data:" in policy("x")
    assert "'unsafe-inline'" not in policy("x").split("script-src")[1].split(";")[0]
