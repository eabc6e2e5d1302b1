"""plotly.js served from our own static folder, never a CDN (offices are often offline), and
plotly's stylesheet as a file of its own, because the Content-Security-Policy forbids the
<style> element plotly.js would otherwise inject.

plotly.js skips that injection when the page carries an element with the id
``plotly.js-style-global`` and the class ``no-inline-styles`` (the dashboard layout's
<link> to the stylesheet written here). The rules are read from the bundle itself, so the
stylesheet always matches the plotly.js it is served with. The bundled MapLibre (map traces,
which we do not draw) injects its own <style> at load unless an element with its id exists:
the layout carries an empty placeholder with that id (``guarded_style_ids``).

After upgrading the plotly package: ``python -m analytics.vendor`` (a test fails until then).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import plotly

PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
STATIC = Path(__file__).resolve().parent.parent / "static"
VENDORED_JS = STATIC / "js" / "vendor" / "plotly.min.js"
VENDORED_CSS = STATIC / "css" / "vendor" / "plotly.css"

# Elements the dashboard layout carries so that the bundle injects no <style> at load.
PLACEHOLDER_IDS = ("9f215cf04c5486422605d13261cb87401f4e7763b6296af81e98efbc0130da53",)

# The object of global rules in plotly.js's build/plotcss.js; its first key is stable.
_FIRST_RULE = '{"X,X div":'
_KEY = r'(?:"(?P<qkey>(?:[^"\\]|\\.)*)"|(?P<key>[A-Za-z_$][\w$]*))'
_VALUE = r"""(?:'(?P<single>(?:[^'\\]|\\.)*)'|"(?P<double>(?:[^"\\]|\\.)*)")"""
_PAIR = re.compile(rf"\s*{_KEY}\s*:\s*{_VALUE}\s*(?:,|$)")


def _object_literal(source: str) -> str:
    """The text between the braces of the rules object, found by scanning its strings."""
    start = source.find(_FIRST_RULE)
    if start < 0:
        raise ValueError("plotly.js's stylesheet rules were not found in the bundle")
    depth, quote, i = 0, None, start
    while i < len(source):
        char = source[i]
        if quote:
            if char == "\\":
                i += 1
            elif char == quote:
                quote = None
        elif char in "'\"":
            quote = char
        elif char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return source[start + 1:i]
        i += 1
    raise ValueError("plotly.js's stylesheet rules are not a closed object")


_GUARDED_STYLE = re.compile(
    r'getElementById\("(?P<id>[\w.-]+)"\)\)\{var \w+=document\.createElement\("style"\)')
_GLOBAL_STYLE = 'var i="plotly.js-style-"+e,n=document.getElementById(i);if(!(n&&n.matches(' \
    '".no-inline-styles")))'


def guarded_style_ids(source: str) -> list[str]:
    """Ids whose presence in the page stops plotly.js from injecting a <style> at load.
    Raises if the bundle injects a <style> this module does not know how to prevent."""
    injections = source.count('createElement("style")')
    guarded = [m["id"] for m in _GUARDED_STYLE.finditer(source)]
    if _GLOBAL_STYLE not in source or injections != len(guarded) + 1:
        raise ValueError("plotly.js injects <style> elements in a way analytics/vendor.py "
                         "does not know: check the dashboards under the CSP before upgrading")
    return guarded


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def plotly_css(source: str) -> str:
    """plotly.js's global stylesheet, with the selectors it would build at load time."""
    body = _object_literal(source)
    rules, position = [], 0
    while position < len(body):
        match = _PAIR.match(body, position)
        if match is None:
            near = body[position:position + 40]
            raise ValueError(f"unexpected text in plotly.js's rules at {near!r}")
        key = _unescape(match["qkey"] if match["qkey"] is not None else match["key"])
        value = _unescape(match["single"] if match["single"] is not None else match["double"])
        # The same rewriting plotly.js does before calling addStyleRule.
        selector = re.sub(r"^,", " ,", key).replace("X", ".js-plotly-plot .plotly").replace(
            "Y", ".plotly-notifier")
        rules.append(f"{selector}{{{value}}}")
        position = match.end()
    if not rules:
        raise ValueError("plotly.js's stylesheet rules are empty")
    version = re.search(r"plotly\.js v([\d.]+)", source[:400])
    header = (f"/* plotly.js {version[1] if version else ''} global styles, extracted by "
              "analytics/vendor.py so no inline <style> is needed (CSP). Do not edit. */")
    return "\n".join([header, *rules]) + "\n"


def vendor(js_target: Path = VENDORED_JS, css_target: Path = VENDORED_CSS) -> None:
    source = PLOTLY_JS.read_text(encoding="utf-8")
    js_target.parent.mkdir(parents=True, exist_ok=True)
    css_target.parent.mkdir(parents=True, exist_ok=True)
    css = plotly_css(source)
    ids = guarded_style_ids(source)
    if ids != list(PLACEHOLDER_IDS):
        raise ValueError(f"set PLACEHOLDER_IDS in analytics/vendor.py to {ids}")
    shutil.copyfile(PLOTLY_JS, js_target)
    css_target.write_text(css, encoding="utf-8")


if __name__ == "__main__":
    vendor()
    print(f"{VENDORED_JS}\n{VENDORED_CSS}")
