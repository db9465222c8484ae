"""The progress bar: drawn on stderr when it is a terminal, absent in CI and with -q."""

import os
import pty
import subprocess

from support import QGATE, clean_env


def run_with_tty_stderr(args, cwd, env):
    master, slave = pty.openpty()
    proc = subprocess.run([*QGATE, *args], cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=slave, timeout=300)
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    return proc.returncode, proc.stdout.decode(), b"".join(chunks).decode(errors="replace")


def project(tmp_path):
    (tmp_path / "qgate.toml").write_text('[analyzers]\nenabled = ["cst", "radon"]\n')
    for n in range(50):
        (tmp_path / f"m{n}.py").write_text(f"def f{n}(x):\n    return x + {n}\n")
    return tmp_path


def test_progress_is_drawn_on_a_terminal(tmp_path):
    code, out, err = run_with_tty_stderr(["check", "--format", "json"], project(tmp_path), clean_env())
    assert code == 0
    assert out.startswith("{")  # the report on stdout is untouched
    assert "analyzing files" in err


def test_no_progress_in_ci_or_with_quiet(tmp_path):
    root = project(tmp_path)
    assert run_with_tty_stderr(["check", "--format", "json"], root, clean_env(CI="true"))[2] == ""
    assert run_with_tty_stderr(["check", "-q", "--format", "json"], root, clean_env())[2] == ""
