"""The evidence bundle's tar: written the same way twice, and read back refusing what a hostile archive holds."""

import io
import tarfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from adapter.evidence import archive
from adapter.evidence.collect import BundleFile
from adapter.evidence.layout import MANIFEST, SUMS, safe

AT = datetime(2026, 12, 1, tzinfo=UTC)


def test_the_same_files_make_the_same_archive_with_its_manifest_and_sums(tmp_path: Path) -> None:
    files = [BundleFile("b.json", b"{}", "b"), BundleFile("a/x.body", b"\x00\xff", "x")]
    first = archive.write(files, tmp_path / "1.tar", "c1", AT, "2026-12-01T00:00:00Z")
    archive.write(files, tmp_path / "2.tar", "c1", AT, "2026-12-01T00:00:00Z")
    assert (tmp_path / "1.tar").read_bytes() == (tmp_path / "2.tar").read_bytes()
    assert archive.read(tmp_path / "1.tar") == first
    sums = first[SUMS].decode().splitlines()
    assert sums == [f"{archive.sha256(first[p])}  {p}" for p in ("a/x.body", "b.json", MANIFEST)]
    assert not (tmp_path / "1.tar.partial").exists()


def _tar(path: Path, *members: tarfile.TarInfo) -> Path:
    with tarfile.open(path, "w") as tar:
        for info in members:
            tar.addfile(info, io.BytesIO(b"x" * info.size) if info.isfile() else None)
    return path


def _info(name: str, kind: bytes = tarfile.REGTYPE) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.size = 1 if kind == tarfile.REGTYPE else 0
    if kind == tarfile.SYMTYPE:
        info.linkname = "/etc/passwd"
    return info


@pytest.mark.parametrize(
    ("members", "named", "says"),
    [
        ([_info("../up")], "../up", "relative path"),
        ([_info("/abs")], "/abs", "relative path"),
        ([_info("link", tarfile.SYMTYPE)], "link", "plain file"),
        ([_info("d", tarfile.DIRTYPE)], "d", "plain file"),
        ([_info("twice"), _info("twice")], "twice", "appears twice"),
    ],
)
def test_a_hostile_archive_is_refused_naming_the_member(
    tmp_path: Path, members: list[tarfile.TarInfo], named: str, says: str
) -> None:
    with pytest.raises(archive.EvidenceError, match=says) as caught:
        archive.read(_tar(tmp_path / "bad.tar", *members))
    assert caught.value.path == named


def test_not_a_tar_is_refused(tmp_path: Path) -> None:
    (tmp_path / "x.tar").write_bytes(b"PK\x03\x04 not a tar")
    with pytest.raises(archive.EvidenceError, match="not a readable tar archive"):
        archive.read(tmp_path / "x.tar")


@pytest.mark.parametrize(("given", "kept"), [("M-1", "M-1"), ("a/b\\c", "a_b_c"), ("..", "_"), ("案件 1", "___1")])
def test_message_ids_become_safe_file_names(given: str, kept: str) -> None:
    assert safe(given) == kept
