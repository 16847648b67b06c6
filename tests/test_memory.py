"""The build's memory: MkDocs holds each page's HTML compressed until it writes it (docs/overrides/hooks.py), in a
process of its own (builder.build.run_mkdocs)."""

import importlib.util
from pathlib import Path
from types import SimpleNamespace

import pytest

from builder.build import run_mkdocs

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def hooks():
    spec = importlib.util.spec_from_file_location("hooks_memory", ROOT / "docs" / "overrides" / "hooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_page_is_held_compressed_from_its_reading_to_its_writing(hooks):
    html = "<h1>隆德县卫生健康局</h1>" + "<p>本机关依法办理政府信息公开申请。</p>" * 200
    page = SimpleNamespace(file=SimpleNamespace(src_uri="ningxia/guyuan/longde/weijian/2024.md"), markdown="# x")
    page.content = hooks.on_page_content(html, page=page, config={}, files=None)
    assert page.content == "" and page.markdown == ""  # "" not None: MkDocs reads None as no title
    assert len(hooks._HELD[page.file.src_uri]) < len(html.encode("utf-8")) / 10
    context = hooks.on_page_context({"page": page}, page=page, config={}, nav=None)
    assert context == {"page": page} and page.content == html
    assert page.file.src_uri not in hooks._HELD
    assert hooks.on_post_page("<html>\n    <p>x</p>\n</html>", page=page, config={}) == "<html>\n<p>x</p>\n</html>"
    assert page.content == ""


def test_a_page_never_held_keeps_its_content(hooks):
    page = SimpleNamespace(file=SimpleNamespace(src_uri="plugin-made.md"), content="<p>made by a plugin</p>")
    hooks.on_page_context({}, page=page, config={}, nav=None)
    assert page.content == "<p>made by a plugin</p>"


def test_mkdocs_runs_in_a_child_and_a_failure_is_an_error(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "index.md").write_text("# 首页\n\n[次页](other.md)\n", encoding="utf-8")
    (docs / "other.md").write_text("# 次页\n\n正文。\n", encoding="utf-8")
    config = tmp_path / "mkdocs.yml"
    config.write_text("site_name: t\nplugins: []\n", encoding="utf-8")
    run_mkdocs(config, docs, tmp_path / "site")
    assert "次页" in (tmp_path / "site" / "other" / "index.html").read_text(encoding="utf-8")
    (docs / "other.md").unlink()  # now a broken link, which strict mode refuses
    with pytest.raises(RuntimeError, match="the site was not built"):
        run_mkdocs(config, docs, tmp_path / "site2")
