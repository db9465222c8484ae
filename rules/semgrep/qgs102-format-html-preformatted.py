from django.utils import html
from django.utils.html import format_html


def render(name, url):
    # ruleid: QGS102
    a = format_html(f"<b>{name}</b>")
    # ruleid: QGS102
    b = format_html("<a href='%s'>link</a>" % url)
    # ruleid: QGS102
    c = html.format_html("<i>{}</i>".format(name))
    # ruleid: QGS102
    d = format_html("<p>" + name + "</p>")
    return a, b, c, d


def render_safely(name, url):
    # ok: QGS102
    a = format_html("<b>{}</b>", name)
    # ok: QGS102
    b = format_html("<a href='{}'>{}</a>", url, name)
    return a, b


def render_constant():
    # ok: QGS102
    return format_html("<p>" + "static" + "</p>")
