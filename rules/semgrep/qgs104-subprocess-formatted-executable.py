import subprocess
from subprocess import check_output


def run_tool(tool, version, path):
    # ruleid: QGS104
    subprocess.run([f"/opt/{tool}/bin/{tool}", path], check=True)
    # ruleid: QGS104
    subprocess.call(["python%s" % version, "-m", "pip", "list"])
    # ruleid: QGS104
    out = check_output(["{}-config".format(tool), "--version"])
    # ruleid: QGS104
    proc = subprocess.Popen(args=["/usr/local/bin/" + tool, "--help"])
    # ruleid: QGS104
    subprocess.run(f"{tool}", check=False)
    return out, proc


def run_fixed(path, name):
    # ok: QGS104
    subprocess.run(["/usr/bin/git", "log", f"--author={name}", path], check=True)
    # ok: QGS104
    subprocess.check_call(["ls", "-l", "%s" % path])
    # ok: QGS104
    subprocess.run(f"ls {path}", shell=True)
