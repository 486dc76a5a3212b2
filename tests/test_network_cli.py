"""The command line on trained networks: eval's JSON against closed forms, export, and one-line refusals."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parent / "ui"))
from network_models import B3, W3, write_linear3, write_shipped

from jacviz.cli import main


def _eval(capsys, *args):
    rc = main(["eval", *map(str, args)])
    out = capsys.readouterr()
    return rc, out


def test_eval_of_a_linear_classifier_is_its_closed_form(tmp_path, capsys):
    path = write_linear3(tmp_path / "three.onnx")
    rc, out = _eval(capsys, path, "--at", "0.5,-2", "--jvp", "1,2", "--vjp", "1,0.5,-1")
    assert rc == 0 and out.err == ""
    data = json.loads(out.out)
    p = np.array([0.5, -2.0])
    assert np.allclose(data["value"], W3 @ p + B3)
    assert np.allclose(data["jacobian"], W3)
    assert data["shape"] == [3, 2] and "det" not in data  # det J does not exist for a 3×2 J
    assert np.allclose(data["singular_values"], [np.sqrt(3.0), 1.0])
    assert np.allclose(data["jvp"], W3 @ [1.0, 2.0])
    assert np.allclose(data["vjp"], W3.T @ [1.0, 0.5, -1.0])
    assert data["sha256"] and len(data["sha256"]) == 64


def test_eval_of_the_flow_agrees_with_finite_differences_and_its_log_det(tmp_path, capsys):
    from jacviz.core.network.mapping import open_model

    path = write_shipped(tmp_path / "moons.onnx")
    rc, out = _eval(capsys, path, "--at", "0.3,0.2")
    assert rc == 0
    data = json.loads(out.out)
    net = open_model(path)
    h = 1e-3  # the model computes in float32: a wide step keeps rounding out of the difference
    fd = np.stack([(net.point_value((0.3 + h, 0.2)) - net.point_value((0.3 - h, 0.2))) / (2 * h),
                   (net.point_value((0.3, 0.2 + h)) - net.point_value((0.3, 0.2 - h))) / (2 * h)], axis=1)
    assert np.allclose(data["jacobian"], fd, rtol=2e-2, atol=2e-2 * np.abs(fd).max())
    j = np.array(data["jacobian"])
    assert data["det"] == pytest.approx(np.linalg.det(j))
    assert data["log_abs_det"] == pytest.approx(np.log(abs(data["det"])))
    assert data["sum_log_abs_det"] == pytest.approx(data["log_abs_det"], abs=1e-9)
    assert data["model_log_det"] == pytest.approx(data["log_abs_det"], abs=1e-3)
    assert data["chain_rule_max_abs_difference"] < 1e-9 * np.abs(j).max()


@pytest.mark.parametrize("args, words", [
    (["{bad}", "--at", "0,0"], "is not an ONNX model"),
    (["{pt}", "--at", "0,0"], "torch.onnx.export"),
    (["{good}", "--at", "0,0", "--vjp", "1,0"], "--vjp needs 3 numbers"),
    (["{good}", "--at", "0,0", "--param", "a=1"], "does not apply to a model"),
    (["{missing}", "--at", "0,0"], "cannot open"),
])
def test_eval_refuses_with_one_line(tmp_path, capsys, args, words):
    (tmp_path / "bad.onnx").write_bytes(b"\x08\x07garbage")
    (tmp_path / "model.pt").write_bytes(b"PK\x03\x04 a zip, as torch.save writes")
    names = {"bad": tmp_path / "bad.onnx", "pt": tmp_path / "model.pt", "missing": tmp_path / "none.onnx",
             "good": write_linear3(tmp_path / "three.onnx")}
    rc, out = _eval(capsys, *[a.format(**names) for a in args])
    lines = out.err.splitlines()
    assert rc == 2 and out.out == "" and len(lines) == 1 and lines[0].startswith("jacviz: error: ")
    assert words in lines[0]


def test_the_window_command_checks_a_model_before_qt_starts(tmp_path, capsys):
    bad = tmp_path / "broken.onnx"
    bad.write_bytes(b"")
    assert main([str(bad)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and "is empty" in err[0]
    assert main([str(tmp_path / "weights.pth")]) == 2
    assert "torch.onnx.export" in capsys.readouterr().err


def test_export_of_a_model_writes_an_image_another_program_reads(tmp_path):
    from PIL import Image

    model = write_shipped(tmp_path / "moons.onnx")
    out = tmp_path / "moons.png"
    res = subprocess.run([sys.executable, "-m", "jacviz", "export", str(model), "-o", str(out), "--size",
                          "640x320", "--at", "0.3,0.2"], capture_output=True, text=True, timeout=240)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == str(out) and res.stderr == ""
    with Image.open(out) as image:
        assert image.size == (640, 320)
    svg = tmp_path / "three.svg"
    res = subprocess.run([sys.executable, "-m", "jacviz", "export", str(write_linear3(tmp_path / "t.onnx")),
                          "-o", str(svg), "--view", "domain"], capture_output=True, text=True, timeout=240)
    assert res.returncode == 0, res.stderr
    text = svg.read_text()
    assert "class of the largest output" in text
    bad = subprocess.run([sys.executable, "-m", "jacviz", "export", str(model), "-o", str(out), "--param",
                          "a=1"], capture_output=True, text=True, timeout=240)
    assert bad.returncode == 2 and len(bad.stderr.splitlines()) == 1
