"""Every export onto a full disk: exit status 2, no partial file, and an old file left untouched.

A small tmpfs is mounted for the test where the machine allows it (it needs root), and
skipped with the reason where it does not.
"""

import os
import subprocess
import uuid
from pathlib import Path

import pytest


@pytest.fixture
def full_disk(tmp_path):
    mount = tmp_path / f"full-{uuid.uuid4().hex[:6]}"
    mount.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], capture_output=True)


@pytest.mark.parametrize("name, size", [
    ("old.png", "800x400"), ("old.jpg", "800x400"), ("old.svg", "800x400"), ("old.pdf", "800x400"),
    ("old.gif", "800x400"), ("old.png", "5000x4000"),  # the last: a PNG written in bands
])
def test_export_onto_a_full_disk_fails_cleanly(app, full_disk, capsys, name, size):
    from jacviz.cli import main

    old = full_disk / name
    old.write_bytes(b"the previous file")
    filler = full_disk / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT)  # fill what is left, unbuffered
    try:
        while True:
            os.write(fd, b"\0" * 4096)
    except OSError:
        pass
    finally:
        os.close(fd)
    option = ["--morph", str(old), "--frames", "3"] if name.endswith(".gif") else ["-o", str(old)]
    rc = main(["export", "z^2", *option, "--size", size])
    err = capsys.readouterr().err
    assert rc == 2, err
    assert len(err.splitlines()) == 1 and err.startswith("jacviz: error: ")
    assert old.read_bytes() == b"the previous file"  # replaced atomically, or not at all
    assert sorted(p.name for p in Path(full_disk).iterdir()) == ["filler", name]  # no partial file
