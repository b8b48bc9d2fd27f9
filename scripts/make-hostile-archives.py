#!/usr/bin/env python3
"""Writes Fixtures/hostile/archives/: upgrade archives that relswap-agent must refuse before sending anything.

Each is named <name>_<vsn>.tar.gz like a real package and holds a valid-looking releases/<pkg>.rel, so that only
the one hostile trait is left to refuse. Run once; the outputs are committed (small and deterministic)."""
import gzip, io, os, tarfile

OUT = os.path.join(os.path.dirname(__file__), "..", "Fixtures", "hostile", "archives")
REL = b'{release,{"zap","2"},{erts,"13.1.5"},[{kernel,"8.5.3"},{stdlib,"4.2"},{sasl,"4.2"},{zap,"2"}]}.\n'

def info(name, size=0, kind=tarfile.REGTYPE, link=""):
    entry = tarfile.TarInfo(name)
    entry.size, entry.type, entry.linkname, entry.mtime, entry.mode = size, kind, link, 0, 0o644
    return entry

def write(name, entries, raw_tail=b""):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for entry, data in entries:
            tar.addfile(entry, io.BytesIO(data) if data is not None else None)
    payload = buffer.getvalue() + raw_tail if entries else raw_tail
    with open(os.path.join(OUT, name), "wb") as file:
        file.write(gzip.compress(payload, mtime=0))

def basics(package="zap_2", rel=REL):
    return [(info(f"releases/{package}.rel", len(rel)), rel), (info("releases/2/start.boot", 4), b"boot")]

os.makedirs(OUT, exist_ok=True)
write("absolute_2.tar.gz", [(info("/etc/relswap-was-here", 2), b"x\n")] + basics("absolute_2"))
write("dotdot_2.tar.gz", basics("dotdot_2") + [(info("lib/../../outside", 2), b"x\n")])
write("symlink_2.tar.gz", basics("symlink_2") + [(info("lib/zap-2/priv/passwd", 0, tarfile.SYMTYPE, "/etc/passwd"), None)])
write("hardlink_2.tar.gz", basics("hardlink_2") + [(info("lib/zap-2/priv/shadow", 0, tarfile.LNKTYPE, "/etc/shadow"), None)])
write("outside_2.tar.gz", basics("outside_2") + [(info("bin/zap", 2), b"x\n")])
write("fifo_2.tar.gz", basics("fifo_2") + [(info("lib/zap-2/priv/pipe", 0, tarfile.FIFOTYPE), None)])
# A gzip bomb: 256 MiB of zeros in one entry (a few hundred KiB compressed).
zeros = b"\0" * (256 << 20)
write("bomb_2.tar.gz", basics("bomb_2") + [(info("lib/zap-2/priv/zeros", len(zeros)), zeros)])
# A header that declares 8 GiB and then ends: read into memory, it would abort the reader.
header = info("releases/huge_2.rel", 8 << 30).tobuf(format=tarfile.GNU_FORMAT)
write("huge_2.tar.gz", [], header + b"\0" * 512)
# The .rel says version 3; the package name says 2.
write("otherversion_2.tar.gz", basics("otherversion_2", REL.replace(b'"zap","2"', b'"zap","3"')))
# A beam that is not one.
write("notabeam_2.tar.gz", basics("notabeam_2") + [(info("lib/zap-2/ebin/zap.beam", 4), b"FOR1")])
