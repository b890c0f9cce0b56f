"""Summarizes an mpstrace trace file without Node.js (for the GPU machine's log).

  python3 trace_summary.py <trace.mpst> [--json]

Reads the container as docs/FORMAT.md describes it (file header, per-thread
chunks, 8-byte records with a 16-bit check) and prints the header, the record
counts per kind (names from instrumentation/schema/events.json), the number of
threads, records with a bad check and the recorder's name. Never raises on a
damaged file: problems are reported with their byte offsets.
"""
import json
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SCHEMA = os.path.join(HERE, "..", "..", "instrumentation", "schema", "events.json")
FILE_HEADER, CHUNK_HEADER = 64, 32
MAX_PROBLEMS = 20


def checksum32(words):
    x = 0x811C9DC5
    for w in words:
        x = (((x << 5) | (x >> 27)) & 0xFFFFFFFF) ^ w
        x = (x * 0x9E3779B1) & 0xFFFFFFFF
    return (x ^ (x >> 16)) & 0xFFFF


def load_schema():
    with open(SCHEMA) as f:
        schema = json.load(f)
    kinds = {k["id"]: k["name"] for k in schema["kinds"]}
    backends = {v: k for k, v in schema["enums"]["backend"]["values"].items()}
    return kinds, backends


def summarize(path):
    kinds, backends = load_schema()
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
    if len(data) < FILE_HEADER or data[:8] != b"MPSTRACE":
        problem(0, "not an mpstrace file (no MPSTRACE magic in a 64-byte header)")
        return out
    (major, minor, header_bytes, chunk_bytes, flags, pid, ppid, backend, clock) = struct.unpack_from(
        "<HHIIIIIBB", data, 8)
    out.update(version="%d.%d" % (major, minor), chunk_bytes=chunk_bytes, pid=pid, ppid=ppid,
               backend=backends.get(backend, backend), synthetic=bool(flags & 1), closed_cleanly=bool(flags & 2))
    if header_bytes < FILE_HEADER or chunk_bytes < 4096 or chunk_bytes & (chunk_bytes - 1):
        problem(12, "bad header_bytes %d or chunk_bytes %d" % (header_bytes, chunk_bytes))
        return out
    counts, threads, strings = {}, set(), {}
    recorder_id = None
    bad = chunks = 0
    for base in range(header_bytes, len(data), chunk_bytes):
        end = min(base + chunk_bytes, len(data))
        if end - base < CHUNK_HEADER:
            problem(base, "truncated chunk header")
            break
        magic, _index, tid = struct.unpack_from("<4sIQ", data, base)
        if magic == b"\0\0\0\0":
            continue  # unused space
        if magic != b"MPCK":
            problem(base, "bad chunk magic %r" % magic)
            continue
        chunks += 1
        threads.add(tid)
        off = base + CHUNK_HEADER
        while off + 16 <= end:
            w0 = struct.unpack_from("<Q", data, off)[0]
            if w0 == 0:
                break
            kind, words, check = w0 & 0xFF, (w0 >> 8) & 0xFF, (w0 >> 16) & 0xFFFF
            size = words * 8
            if words < 2 or off + size > end:
                bad += 1
                problem(off, "record of kind %d claims %d words past the chunk end" % (kind, words))
                break
            rec = bytearray(data[off:off + size])
            rec[2:4] = b"\0\0"
            if checksum32(struct.unpack("<%dI" % (size // 4), rec)) != check:
                bad += 1
                problem(off, "bad check on a record of kind %d" % kind)
            else:
                name = kinds.get(kind, "unknown_%d" % kind)
                counts[name] = counts.get(name, 0) + 1
                if name == "string" and size >= 24:
                    sid, ln = struct.unpack_from("<II", data, off + 16)
                    strings[sid] = data[off + 24:off + 24 + min(ln, size - 24)].decode("utf-8", "replace")
                elif name == "process_start" and size >= 32:
                    recorder_id = struct.unpack_from("<I", data, off + 28)[0]
            off += size
    out.update(chunks=chunks, threads=len(threads), records=sum(counts.values()), bad_records=bad,
               kinds=dict(sorted(counts.items(), key=lambda kv: -kv[1])),
               recorder=strings.get(recorder_id, "") if recorder_id else "")
    return out


def main(argv):
    args = [a for a in argv if a != "--json"]
    if len(args) != 1:
        sys.stderr.write("usage: trace_summary.py <trace.mpst> [--json]\n")
        return 2
    s = summarize(args[0])
    if "--json" in argv:
        print(json.dumps(s, indent=1))
    else:
        if "version" in s:
            print("%s: %d bytes, v%s, backend=%s, recorder=%r, pid=%d, closed_cleanly=%s, chunks=%d, threads=%d"
                  % (os.path.basename(s["path"]), s["bytes"], s["version"], s["backend"], s.get("recorder", ""),
                     s["pid"], s["closed_cleanly"], s.get("chunks", 0), s.get("threads", 0)))
        if "records" in s:
            print("records=%d bad=%d kinds: %s" % (s["records"], s["bad_records"],
                                                  " ".join("%s=%d" % kv for kv in s["kinds"].items())))
        for p in s["problems"]:
            print("problem at byte %d: %s" % (p["offset"], p["message"]))
    return 1 if s["problems"] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
