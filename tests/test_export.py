"""An export as a folder or a zip: recognising, opening, naming and reading its files."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from stridekit.errors import LogFormatError, StridekitError, UnsafeInputError
from stridekit.io import safety
from stridekit.io.export import FolderExport, ZipExport, is_export, open_export


def has_marker(folder: Path) -> bool:
    return (folder / "marker.txt").is_file()


def names_have_marker(names: list[str]) -> bool:
    return "top/marker.txt" in names


def write_zip(path: Path, files: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return path


def test_is_export_asks_the_folder_or_the_zip(tmp_path: Path) -> None:
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "marker.txt").write_text("x")
    archive = write_zip(tmp_path / "e.zip", {"top/marker.txt": b"x"})
    other = write_zip(tmp_path / "o.zip", {"top/other.txt": b"x"})
    not_zip = tmp_path / "plain.txt"
    not_zip.write_text("not a zip")

    def check(path: Path) -> bool:
        return is_export(path, in_folder=has_marker, in_names=names_have_marker)

    assert check(folder)
    assert check(archive)
    assert not check(other)
    assert not check(not_zip)
    assert not check(tmp_path / "absent")
    assert not check(tmp_path)  # a folder without the marker


def test_is_export_is_false_when_the_test_cannot_read(tmp_path: Path) -> None:
    def unreadable(folder: Path) -> bool:
        raise PermissionError(folder)

    assert not is_export(tmp_path, in_folder=unreadable, in_names=names_have_marker)


def test_open_export_builds_a_folder_or_a_zip_export(tmp_path: Path) -> None:
    archive_path = write_zip(tmp_path / "e.zip", {"a/b.txt": b"hello"})
    with open_export(tmp_path, "Test", FolderExport, ZipExport) as folder:
        assert isinstance(folder, FolderExport)
        assert folder.locate("a/b.txt") == str(tmp_path / "a/b.txt")
        assert folder.spec("a/b.txt") == (str(tmp_path / "a/b.txt"),) * 2 + (None,)
    with open_export(archive_path, "Test", FolderExport, ZipExport) as export:
        assert isinstance(export, ZipExport)
        archive = export.archive
        info = archive.getinfo("a/b.txt")
        assert export.locate("a/b.txt") == f"{archive_path}!a/b.txt"
        assert export.spec_of("a/b.txt", info) == (
            f"{archive_path}!a/b.txt",
            str(archive_path),
            "a/b.txt",
        )
    assert archive.fp is None  # closed with the context


def test_open_export_refuses_what_is_neither(tmp_path: Path) -> None:
    plain = tmp_path / "plain.txt"
    plain.write_text("not a zip")
    with (
        pytest.raises(LogFormatError, match="neither a folder nor a zip archive"),
        open_export(plain, "Test", FolderExport, ZipExport),
    ):
        pass  # pragma: no cover
    with (
        pytest.raises(StridekitError, match="no such file or folder"),
        open_export(tmp_path / "absent", "Test", FolderExport, ZipExport),
    ):
        pass  # pragma: no cover


def test_zip_export_names_files_below_its_prefix(tmp_path: Path) -> None:
    path = write_zip(tmp_path / "e.zip", {"top/a.txt": b"x"})
    with zipfile.ZipFile(path) as archive:
        export = ZipExport(path, archive, "top/")
        assert export.locate("a.txt") == f"{path}!top/a.txt"
        info = archive.getinfo("top/a.txt")
        assert export.spec_of("a.txt", info) == (f"{path}!top/a.txt", str(path), "top/a.txt")


def test_read_capped_reads_within_the_cap_and_refuses_beyond(tmp_path: Path) -> None:
    path = write_zip(tmp_path / "e.zip", {"big.csv": b"x" * 100})
    with zipfile.ZipFile(path) as archive:
        export = ZipExport(path, archive)
        info = archive.getinfo("big.csv")
        assert export.read_capped("big.csv", info, 100, "CAP", fix="f") == b"x" * 100
        with pytest.raises(UnsafeInputError, match=r"declares 100 bytes.*cap of 99 bytes \(CAP\)"):
            export.read_capped("big.csv", info, 99, "CAP", fix="f")


@pytest.mark.parametrize(
    ("name", "escapes"),
    [
        ("activities/1.fit", False),
        ("./activities/1.fit", False),
        ("/etc/passwd", True),
        ("../outside.fit", True),
        ("activities/../../x", True),
        ("..\\x.fit", True),
        ("C:x.fit", True),
        ("c:\\x.fit", True),
    ],
)
def test_escapes(name: str, escapes: bool) -> None:
    assert safety.escapes(name) is escapes
