"""``stridekit serve --max-upload-mb``: checked on the command line and passed to Voila."""

from __future__ import annotations

import subprocess
import sys

import pytest

from stridekit import serve
from stridekit.cli import parser


def test_upload_cap_defaults_to_200_mb() -> None:
    args = parser().parse_args(["serve"])
    assert args.max_upload_mb == serve.DEFAULT_MAX_UPLOAD_MB == 200


def test_websocket_limit_lets_a_capped_upload_through() -> None:
    limit = serve.websocket_limit(200)
    assert limit > 200 * 2**20  # the file and its widget message fit
    assert limit < 256 * 2**20  # but not much more
    assert serve.websocket_limit(1) < serve.websocket_limit(200)


@pytest.mark.parametrize("bad", ["0", "-5", "lots", "4096"])
def test_bad_upload_cap_is_a_usage_error(bad: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "stridekit.cli", "serve", "--max-upload-mb", bad],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "--max-upload-mb" in result.stderr


def test_public_is_off_unless_asked_and_caps_kernels_when_on() -> None:
    local = parser().parse_args(["serve"])
    assert local.public is False and local.max_kernels is None
    public = parser().parse_args(["serve", "--public", "--max-kernels", "8"])
    assert public.public is True and public.max_kernels == 8

    argv = serve.voila_argv(serve.Path("dashboards"), port=1)
    assert "--show_tracebacks=False" in argv
    assert not [a for a in argv if "max_kernels" in a], "no cap on a local server"

    argv = serve.voila_argv(serve.Path("dashboards"), port=1, public=True)
    for setting in (
        "--Voila.ip=127.0.0.1",
        "--show_tracebacks=False",
        "--VoilaConfiguration.strip_sources=True",
        "--VoilaConfiguration.allow_template_override=NO",
        f"--PublicKernelManager.max_kernels={serve.PUBLIC_MAX_KERNELS}",
        f"--MappingKernelManager.cull_idle_timeout={serve.PUBLIC_CULL_IDLE_S}",
        f"--PublicKernelManager.cull_disconnected_timeout={serve.PUBLIC_CULL_DISCONNECTED_S}",
    ):
        assert setting in argv
    assert serve.PUBLIC_CULL_IDLE_S < serve.LOCAL_CULL_IDLE_S
    assert "--PublicKernelManager.max_kernels=3" in serve.voila_argv(
        serve.Path("d"), port=1, public=True, max_kernels=3
    )


@pytest.mark.parametrize("bad", ["0", "-1", "many", "1.5", "5000"])
def test_bad_kernel_cap_is_a_usage_error(bad: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        parser().parse_args(["serve", "--public", "--max-kernels", bad])
    assert stopped.value.code == 2
    assert "--max-kernels" in capsys.readouterr().err


def _message(msg_type: str, content: dict[str, object]) -> dict[str, object]:
    return {"header": {"msg_type": msg_type}, "parent_header": {}, "content": content}


def test_a_visitor_receives_no_traceback_nor_standard_error() -> None:
    from stridekit.public import FAILED_PART, visitor_safe

    error = _message(
        "error",
        {"ename": "KeyError", "evalue": "'secret'", "traceback": ["Traceback ...", "/home/x.py"]},
    )
    safe = visitor_safe(error)
    assert safe is not None
    assert safe["content"] == {"ename": "Error", "evalue": FAILED_PART, "traceback": [FAILED_PART]}
    reply = _message("execute_reply", {"status": "error", "traceback": ["/home/x.py line 3"]})
    assert visitor_safe(reply)["content"]["traceback"] == [FAILED_PART]  # type: ignore[index]
    assert visitor_safe(_message("stream", {"name": "stderr", "text": "warning: x.py"})) is None
    leaked = "Traceback (most recent call last):\n  File x.py"
    assert visitor_safe(_message("stream", {"name": "stdout", "text": leaked})) is None
    fine = _message("stream", {"name": "stdout", "text": "hello"})
    assert visitor_safe(fine) is fine
    widget = _message("comm_msg", {"data": {"method": "update"}})
    assert visitor_safe(widget) is widget
