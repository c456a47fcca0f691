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
