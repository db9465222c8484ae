"""parse_diff on hand-written git diff texts, and the new-issue classification built on it."""

from __future__ import annotations

from qgate.model import Issue, IssueType, Severity
from qgate.newcode.diff import FileDiff, is_new_issue, mark_new, parse_diff, renames, reroot, unquote_path


def issue(path: str, line: int, end_line: int | None = None) -> Issue:
    return Issue(
        rule="QG101", tool="cst", type=IssueType.CODE_SMELL, severity=Severity.MAJOR, message="m", path=path,
        line=line, end_line=end_line or line, column=1, end_column=2, effort_minutes=1,
    )


MODIFIED = """\
diff --git a/pkg/mod.py b/pkg/mod.py
index 1111111..2222222 100644
--- a/pkg/mod.py
+++ b/pkg/mod.py
@@ -3 +3 @@ def f():
-    return 1
+    return 2
@@ -10,0 +11,2 @@ def g():
+--- not a header
++++ not a header either
@@ -20,3 +21,0 @@ def h():
-a
-b
-c
"""


def test_modified_file_hunks_and_header_lookalike_content() -> None:
    files = parse_diff(MODIFIED)
    assert files == {
        "pkg/mod.py": FileDiff(
            path="pkg/mod.py", old_path="pkg/mod.py", status="modified", added_lines=frozenset({3, 11, 12})
        )
    }


def test_context_lines_are_counted_but_not_new() -> None:
    text = """\
diff --git a/a.py b/a.py
--- a/a.py
+++ b/a.py
@@ -1,4 +1,5 @@
 one
-two
+TWO
+2b
 three

"""
    assert parse_diff(text)["a.py"].added_lines == frozenset({2, 3})


RENAMES = """\
diff --git a/old.py b/new.py
similarity index 100%
rename from old.py
rename to new.py
diff --git a/src/x y.py b/lib/x y.py
similarity index 80%
rename from src/x y.py
rename to lib/x y.py
index 3333333..4444444 100644
--- a/src/x y.py\t
+++ b/lib/x y.py\t
@@ -2 +2 @@
-a = 1
+a = 2
"""


def test_renames_with_and_without_edits() -> None:
    files = parse_diff(RENAMES)
    assert files == {
        "new.py": FileDiff(path="new.py", old_path="old.py", status="renamed"),
        "lib/x y.py": FileDiff(path="lib/x y.py", old_path="src/x y.py", status="renamed", added_lines=frozenset({2})),
    }
    assert renames(files) == {"old.py": "new.py", "src/x y.py": "lib/x y.py"}


NEW_DELETED_BINARY_MODE = """\
diff --git a/added.py b/added.py
new file mode 100644
index 0000000..5555555
--- /dev/null
+++ b/added.py
@@ -0,0 +1,2 @@
+x = 1
+y = 2
\\ No newline at end of file
diff --git a/removed.py b/removed.py
deleted file mode 100644
index 6666666..0000000
--- a/removed.py
+++ /dev/null
@@ -1 +0,0 @@
-gone = True
diff --git a/logo.png b/logo.png
index 7777777..8888888 100644
Binary files a/logo.png and b/logo.png differ
diff --git a/run me.sh b/run me.sh
old mode 100644
new mode 100755
diff --git a/empty.py b/empty.py
new file mode 100644
index 0000000..e69de29
"""


def test_new_deleted_binary_mode_only_and_empty_new_files() -> None:
    files = parse_diff(NEW_DELETED_BINARY_MODE)
    assert files == {
        "added.py": FileDiff(path="added.py", status="added", added_lines=frozenset({1, 2})),
        "logo.png": FileDiff(path="logo.png", old_path="logo.png", binary=True),
        "run me.sh": FileDiff(path="run me.sh", old_path="run me.sh"),
        "empty.py": FileDiff(path="empty.py", status="added"),
    }


def test_no_newline_marker_in_the_middle_of_a_hunk() -> None:
    text = """\
diff --git a/n.py b/n.py
--- a/n.py
+++ b/n.py
@@ -5 +5,2 @@
-last
\\ No newline at end of file
+last
+after
"""
    assert parse_diff(text)["n.py"].added_lines == frozenset({5, 6})


QUOTED = """\
diff --git "a/caf\\303\\251/na\\"me.py" "b/caf\\303\\251/na\\"me.py"
index 1..2 100644
--- "a/caf\\303\\251/na\\"me.py"
+++ "b/caf\\303\\251/na\\"me.py"
@@ -1 +1 @@
-a
+b
diff --git a/plain.py "b/t\\tab.py"
similarity index 100%
rename from plain.py
rename to "t\\tab.py"
diff --git a/caf\u00e9 \u00fcnicode.py b/caf\u00e9 \u00fcnicode.py
index 1..2 100644
Binary files a/caf\u00e9 \u00fcnicode.py and b/caf\u00e9 \u00fcnicode.py differ
"""


def test_quoted_and_unicode_paths() -> None:
    files = parse_diff(QUOTED)
    assert sorted(files) == ["caf\u00e9 \u00fcnicode.py", 'caf\u00e9/na"me.py', "t\tab.py"]
    assert files['caf\u00e9/na"me.py'].added_lines == frozenset({1})
    assert files["t\tab.py"].old_path == "plain.py" and files["t\tab.py"].status == "renamed"
    assert files["caf\u00e9 \u00fcnicode.py"].binary


def test_unquote_path() -> None:
    assert unquote_path('"a\\\\b\\nc"') == "a\\b\nc"
    assert unquote_path("plain") == "plain"
    assert unquote_path('"\\360\\237\\220\\215.py"') == "\U0001f40d.py"


def test_combined_diff_of_a_merge() -> None:
    text = """\
diff --cc conflict.py
index 1,2..3
--- a/conflict.py
+++ b/conflict.py
@@@ -1,2 -1,2 +1,3 @@@
  same
- ours
 -theirs
++resolved
+ from ours
"""
    assert parse_diff(text)["conflict.py"].added_lines == frozenset({2, 3})


def test_empty_diff() -> None:
    assert parse_diff("") == {}


def test_is_new_issue_uses_every_line_of_the_issue() -> None:
    files = {
        "a.py": FileDiff(path="a.py", added_lines=frozenset({10})),
        "u.py": FileDiff(path="u.py", status="added", whole_file=True),
    }
    assert is_new_issue(issue("a.py", 10), files)
    assert not is_new_issue(issue("a.py", 9), files)
    assert is_new_issue(issue("a.py", 5, end_line=12), files)  # a multi-line issue touching line 10
    assert not is_new_issue(issue("a.py", 11, end_line=5000), files)
    assert is_new_issue(issue("u.py", 400), files)
    assert not is_new_issue(issue("other.py", 10), files)
    marked = mark_new([issue("a.py", 10), issue("a.py", 1)], files)
    assert [(i.line, i.new) for i in marked] == [(10, True), (1, False)]


def test_reroot_to_a_subdirectory() -> None:
    files = {
        "sub/pkg/a.py": FileDiff(path="sub/pkg/a.py", old_path="sub/a.py", status="renamed"),
        "sub/b.py": FileDiff(path="sub/b.py", old_path="top.py", status="renamed", added_lines=frozenset({1})),
        "other/c.py": FileDiff(path="other/c.py"),
    }
    assert reroot(files, "sub/") == {
        "pkg/a.py": FileDiff(path="pkg/a.py", old_path="a.py", status="renamed"),
        "b.py": FileDiff(path="b.py", old_path=None, status="renamed", added_lines=frozenset({1})),
    }
    assert reroot(files, ".") == files
