"""Summarizes an mpstrace trace file without Node.js (for the GPU machine's log).

  python3 trace_summary.py <trace.mpst> [--json]

Reads the container as docs/FORMAT.md describes it (file header, per-thread
chunks, 8-byte records with a 16-bit check: a CRC-16 from format 2, the folded
hash of format 1; format 2's file end, whose chunk table says how many records
each chunk held) and prints the header, the record counts per kind, the number
of threads, records with a bad check, records the file end lists but the file
lacks, the recorder's name, and whether CUPTI completion records joined the
submissions.
Every layout fact (offsets, kind ids, flag bits, enums) comes from
mpstrace/_schema.py, generated from instrumentation/schema/events.json.
Never raises on a damaged file: problems are reported with their byte offsets.
"""
import json
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "instrumentation", "python"))
from mpstrace import _schema  # noqa: E402 - found from this repo

MAX_PROBLEMS = 20
C = _schema.CONTAINER
FH = _schema.HEADERS["file_header"]
CH = _schema.HEADERS["chunk_header"]
FE = _schema.HEADERS["file_end"]
KF = _schema.KIND_FIELDS
KIND_NAMES = {v: k for k, v in _schema.KIND.items()}
BACKENDS = {v: k for k, v in _schema.ENUMS["backend"].items()}
FILE_FLAGS, PROCESS_FLAGS = _schema.FLAGS["file"], _schema.FLAGS["process"]
UNPACK = {1: "<B", 2: "<H", 4: "<I", 8: "<Q"}


def checksum32(words):
    x = 0x811C9DC5
    for w in words:
        x = (((x << 5) | (x >> 27)) & 0xFFFFFFFF) ^ w
        x = (x * 0x9E3779B1) & 0xFFFFFFFF
    return (x ^ (x >> 16)) & 0xFFFF


def _crc_table(poly):
    t = []
    for b in range(256):
        c = b
        for _ in range(8):
            c = (c >> 1) ^ poly if c & 1 else c >> 1
        t.append(c)
    return t


CRC_TABLE = _crc_table(C["crc16PolyReflected"])


def check16(buf):
    """Format 2's check: CRC-16 over the bytes (check bits already zeroed)."""
    c = C["crc16Init"]
    for byte in buf:
        c = (c >> 8) ^ CRC_TABLE[(c ^ byte) & 0xFF]
    return c


def header_field(data, base, layout, name):
    off, size = layout[name]
    return struct.unpack_from(UNPACK[size], data, base + off)[0]


def record_field(data, rec, kind, name):
    off, typ = KF[kind][name]
    fmt = {"u8": "<B", "u16": "<H", "u32": "<I", "str": "<I", "i32": "<i", "u64": "<Q", "i64": "<q"}[typ]
    return struct.unpack_from(fmt, data, rec + off)[0]


def summarize(path):
    out = {"path": path, "problems": []}

    def problem(offset, msg):
        if len(out["problems"]) < MAX_PROBLEMS:
            out["problems"].append({"offset": offset, "message": msg})

    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        out["problems"].append({"offset": 0, "message": "cannot read: %s" % e})
        return out
    out["bytes"] = len(data)
    magic = C["fileMagic"].encode("latin1")
    if len(data) < C["fileHeaderBytes"] or data[:len(magic)] != magic:
        problem(0, "not an mpstrace file (no %s magic in a %d-byte header)" % (C["fileMagic"], C["fileHeaderBytes"]))
        return out
    hf = lambda name: header_field(data, 0, FH, name)  # noqa: E731
    header_bytes, chunk_bytes, flags = hf("header_bytes"), hf("chunk_bytes"), hf("flags")
    out.update(version="%d.%d" % (hf("version_major"), hf("version_minor")), chunk_bytes=chunk_bytes,
               pid=hf("pid"), ppid=hf("ppid"), backend=BACKENDS.get(hf("backend"), hf("backend")),
               synthetic=bool(flags & FILE_FLAGS["synthetic"]), closed_cleanly=bool(flags & FILE_FLAGS["closed"]))
    if header_bytes < C["fileHeaderBytes"] or chunk_bytes < C["minChunkBytes"] or chunk_bytes & (chunk_bytes - 1):
        problem(FH["header_bytes"][0], "bad header_bytes %d or chunk_bytes %d" % (header_bytes, chunk_bytes))
        return out
    v2 = hf("version_major") >= C["crcFromMajor"]
    if v2:
        record_check = lambda rec: check16(rec)  # noqa: E731
    else:
        record_check = lambda rec: checksum32(struct.unpack("<%dI" % (len(rec) // 4), rec))  # noqa: E731
    # format 2: the file end (chunk table + trailer) bounds the chunks and lists each chunk's records
    data_end, table = len(data), None
    eb, entry = C["fileEndBytes"], C["chunkEntryBytes"]
    if v2:
        t = len(data) - eb
        if t >= header_bytes and data[t:t + 8] == C["endMagic"].encode("latin1"):
            n = header_field(data, t, FE, "chunks")
            trailer = bytearray(data[t:t + eb])
            trailer[FE["check"][0]:FE["check"][0] + 4] = b"\0\0\0\0"
            if header_bytes + n * (chunk_bytes + entry) + eb != len(data) or check16(trailer) != header_field(data, t, FE, "check"):
                problem(t, "damaged file end")
            else:
                data_end = header_bytes + n * chunk_bytes
                raw = data[data_end:data_end + n * entry]
                if check16(raw) == header_field(data, t, FE, "table_check"):
                    table = [struct.unpack_from("<II", raw, k * entry) for k in range(n)]
                else:
                    problem(data_end, "damaged chunk table")
        elif flags & FILE_FLAGS["closed"]:
            problem(len(data), "no file end: the file was cut")
    missing = 0
    counts, threads, strings = {}, set(), {}
    recorder_id, start_flags, lost = None, None, 0
    submit_corr, complete_corr = set(), set()
    bad = chunks = 0
    chunk_header = C["chunkHeaderBytes"]
    for k, base in enumerate(range(header_bytes, data_end, chunk_bytes)):
        end = min(base + chunk_bytes, data_end)
        listed, used = table[k] if table else (-1, chunk_bytes)
        found = 0
        if end - base < chunk_header:
            problem(base, "truncated chunk header")
            break
        magic = header_field(data, base, CH, "magic")
        if magic == 0 and listed <= 0 and not any(data[base:end]):
            continue  # unused space
        if magic != C["chunkMagic"]:
            problem(base, "bad or zeroed chunk header %r" % data[base:base + 4])
            missing += max(listed, 0)
            continue
        chunks += 1
        threads.add(header_field(data, base, CH, "tid"))
        off = base + chunk_header
        while off + 16 <= end:
            w0 = struct.unpack_from("<Q", data, off)[0]
            if w0 == 0:
                if any(data[off + C["maxRecordWords"] * 8:end]):
                    bad += 1
                    problem(off, "zeroed bytes before more records of the chunk")
                break
            kind, words, check = w0 & 0xFF, (w0 >> 8) & 0xFF, (w0 >> 16) & 0xFFFF
            size = words * 8
            if words < 2 or off + size > end:
                bad += 1
                problem(off, "record of kind %d claims %d words past the chunk end" % (kind, words))
                break
            rec = bytearray(data[off:off + size])
            rec[2:4] = b"\0\0"
            if record_check(bytes(rec)) != check:
                bad += 1
                problem(off, "bad check on a record of kind %d" % kind)
                off += size
                continue
            name = KIND_NAMES.get(kind, "unknown_%d" % kind)
            counts[name] = counts.get(name, 0) + 1
            if off - base < used:
                found += 1
            if name == "string":
                sid, ln = record_field(data, off, name, "str_id"), record_field(data, off, name, "len")
                strings[sid] = data[off + 24:off + 24 + min(ln, size - 24)].decode("utf-8", "replace")
            elif name == "process_start":
                recorder_id = record_field(data, off, name, "recorder")
                start_flags = record_field(data, off, name, "flags")
            elif name in ("submit", "memcpy", "memset"):
                submit_corr.add(record_field(data, off, name, "corr"))
            elif name == "complete":
                complete_corr.add(record_field(data, off, name, "corr"))
            elif name == "records_lost":
                lost += record_field(data, off, name, "count")
            off += size
        if listed > found:
            missing += listed - found
            problem(base, "chunk %d: %d of the %d records the file end lists are missing" % (k, listed - found, listed))
    submit_corr.discard(0)
    pf = start_flags or 0
    out.update(chunks=chunks, threads=len(threads), records=sum(counts.values()), bad_records=bad,
               kinds=dict(sorted(counts.items(), key=lambda kv: -kv[1])),
               recorder=strings.get(recorder_id, "") if recorder_id else "",
               process_flags=start_flags, cupti_active=bool(pf & PROCESS_FLAGS["cupti_completions"]),
               driver_launches_covered=bool(pf & PROCESS_FLAGS["driver_api_covered"]), records_lost=lost,
               records_missing=missing, file_end=table is not None,
               submissions=len(submit_corr), completions=len(complete_corr),
               submissions_with_completion=len(submit_corr & complete_corr))
    return out


def main(argv):
    args = [a for a in argv if a != "--json"]
    if not args:
        sys.stderr.write("usage: trace_summary.py <trace.mpst>... [--json]\n")
        return 2
    status = 0
    for path in args:
        s = summarize(path)
        status |= 1 if s["problems"] else 0
        if "--json" in argv:
            print(json.dumps(s, indent=1 if len(args) == 1 else None, sort_keys=len(args) > 1))
            continue
        if "version" in s:
            print("%s: %d bytes, v%s, backend=%s, recorder=%r, pid=%d, closed_cleanly=%s, chunks=%d, threads=%d"
                  % (os.path.basename(s["path"]), s["bytes"], s["version"], s["backend"], s.get("recorder", ""),
                     s["pid"], s["closed_cleanly"], s.get("chunks", 0), s.get("threads", 0)))
        if "records" in s:
            print("records=%d bad=%d kinds: %s" % (s["records"], s["bad_records"],
                                                  " ".join("%s=%d" % kv for kv in s["kinds"].items())))
            print("cupti_active=%s driver_launches_covered=%s submissions=%d with_completion=%d records_lost=%d"
                  % (s["cupti_active"], s["driver_launches_covered"], s["submissions"],
                     s["submissions_with_completion"], s["records_lost"]))
        for p in s["problems"]:
            print("problem at byte %d: %s" % (p["offset"], p["message"]))
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
