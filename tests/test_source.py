import pytest

from qgate.source import SourceDecodeError, decode_source, source_from_text


def test_counts_code_and_comment_lines():
    text = 'x = 1  # noqa\n\n# only a comment\ns = """a\nb"""\n'
    source = source_from_text("a.py", text)
    assert source.comments == {1: "# noqa", 3: "# only a comment"}
    assert (source.loc, source.ncloc, source.comment_lines) == (5, 3, 2)


def test_bom_is_removed_and_encoding_reported():
    text, encoding = decode_source("\ufeffx = 'é'\n".encode("utf-8-sig"))
    assert text == "x = 'é'\n"
    assert encoding == "utf-8"


def test_coding_cookie_is_honoured():
    text, encoding = decode_source("# -*- coding: latin-1 -*-\nx = 'é'\n".encode("latin-1"))
    assert encoding == "iso-8859-1"
    assert "é" in text


@pytest.mark.parametrize(
    ("data", "message"),
    [(b"x = '\xff\xfe'\n", "not valid utf-8"), (b"x = 1\x00\n", "NUL bytes")],
)
def test_undecodable_sources_raise_one_line_errors(data, message):
    with pytest.raises(SourceDecodeError, match=message) as info:
        decode_source(data)
    assert "\n" not in str(info.value)


def test_tokenize_error_falls_back_to_line_counts():
    source = source_from_text("b.py", "def f(:\n    x  # c\n")
    assert source.tokenize_error
    assert source.ncloc == 2
    assert source.comments == {2: "# c"}


def test_crlf_lines():
    source = source_from_text("c.py", "a = 1\r\nb = 2\r\n")
    assert source.lines == ["a = 1", "b = 2"]
    assert source.line(2) == "b = 2"
    assert source.line(3) == ""


def test_def_keyword_lines_in_source_order():
    text = "@dec\ndef a():\n    def b(): pass\n    x = 'def c(): pass'\nasync def d():\n    return lambda: 1\n"
    assert source_from_text("d.py", text).def_lines == (2, 3, 5)
