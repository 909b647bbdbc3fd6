"""The NFKC fold and its map back to original offsets."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from leakscan.normalize import normalize


def test_ascii_and_already_folded_text_is_returned_as_is() -> None:
    for text in ("abc 123", "密等及解密條件或保密期限"):
        folded = normalize(text)
        assert folded.text == text and folded.breaks == ()


def test_full_width_forms_fold_one_to_one() -> None:
    folded = normalize("底價：１，２５０，０００元　Ａ１２３")
    assert folded.text == "底價:1,250,000元 A123"
    assert folded.breaks == ()
    assert folded.span_to_original(3, 12) == (3, 12)


def test_expanding_characters_map_back() -> None:
    original = "㈱公司 ﬁle Ａ１２３"
    folded = normalize(original)
    assert folded.text == "(株)公司 file A123"
    start = folded.text.index("A123")
    assert folded.span_to_original(start, start + 4) == (original.index("Ａ"), original.index("Ａ") + 4)
    assert folded.span_to_original(0, 3) == (0, 1)  # (株) comes from the single ㈱


@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=60))
def test_every_folded_span_maps_inside_the_original(text: str) -> None:
    folded = normalize(text)
    for start in range(len(folded.text) + 1):
        for end in range(start, min(len(folded.text), start + 4) + 1):
            o_start, o_end = folded.span_to_original(start, end)
            assert 0 <= o_start <= o_end <= len(text)


@given(st.lists(st.sampled_from(["Ａ", "１", "，", "㈱", "ﬁ", "密", "a", "\n", "　", "①", "㍻"]),
                max_size=40))
def test_a_character_maps_back_to_the_character_it_came_from(chars: list[str]) -> None:
    import unicodedata

    text = "".join(chars)
    folded = normalize(text)
    for index, char in enumerate(folded.text):
        origin = folded.to_original(index)
        assert char in unicodedata.normalize("NFKC", text[origin])
