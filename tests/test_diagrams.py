"""Are the lesson diagrams drawable, consistent and fully told in words?"""

from __future__ import annotations

import re

import pytest

from pmtech.diagrams import ALT_TEXT, DIAGRAMS, diagram, draw, show_diagram
from pmtech.labs.figures import png_bytes


@pytest.mark.parametrize("name", list(DIAGRAMS))
def test_each_diagram_draws_and_its_words_name_every_box(name, tmp_path):
    """Does the text alternative name every component the picture shows?"""
    spec = diagram(name)
    keys = [b.key for b in spec.boxes]
    assert len(set(keys)) == len(keys)
    assert all(a.start in keys and a.end in keys for a in spec.arrows)
    alt = ALT_TEXT[name].lower()
    for box in spec.boxes:
        first_word = re.split(r"[\s(:]+", box.label.lower())[0]
        assert first_word in alt, f"{name}: the words never mention {box.label!r}"
    png = png_bytes(draw(name))
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000
    (tmp_path / f"{name}.png").write_bytes(png)


def test_unknown_diagram_names_the_ones_there_are():
    with pytest.raises(KeyError, match="cache-aside"):
        diagram("cache-beside")


def test_show_diagram_prints_the_words_after_the_picture(capsys):
    show_diagram("queue")
    assert "In words: A queue between two services." in capsys.readouterr().out
