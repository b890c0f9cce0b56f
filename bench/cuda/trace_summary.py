"""Summarizes an mpstrace trace without Node.js (for the GPU machine):
header flags, record counts per kind, checks, and whether CUPTI completion
records joined the submissions. Usage: python3 trace_summary.py FILE.mpst"""
import json
import struct
import sys

KINDS = {1: "process_start", 2: "process_end", 3: "clock_calibration", 4: "fork", 5: "exec", 6: "thread_start",
         7: "thread_exit", 8: "thread_name", 9: "string", 10: "callsite", 11: "records_lost", 12: "heartbeat",
         20: "stream_create", 21: "stream_destroy", 22: "slot_acquire", 23: "slot_release", 24: "slot_set_current",
         25: "stream_query", 30: "event_create", 31: "event_destroy", 32: "event_record", 33: "event_wait",
         34: "event_query", 35: "elapsed_begin", 36: "elapsed_end", 40: "submit", 41: "complete", 50: "sync_begin",
         51: "sync_end", 60: "intent_device_sync_begin", 61: "intent_device_sync_end", 62: "intent_record",
         63: "intent_wait", 64: "range_push", 65: "range_pop", 66: "marker", 67: "buffer_access", 70: "memcpy",
         71: "memset", 72: "alloc", 73: "free"}


def checksum(words):
    x = 0x811C9DC5
    for w in words:
        x = (((x << 5) | (x >> 27)) & 0xFFFFFFFF) ^ w
        x = (x * 0x9E3779B1) & 0xFFFFFFFF
    return (x ^ (x >> 16)) & 0xFFFF


def summarize(path):
    data = open(path, "rb").read()
    if data[:8] != b"MPSTRACE":
        raise SystemExit(f"{path}: not an mpstrace file")
    chunk = struct.unpack_from("<I", data, 16)[0]
    flags = struct.unpack_from("<I", data, 20)[0]
    counts, bad, strings = {}, 0, {}
    submit_corr, complete_corr, start_flags, lost = set(), set(), None, 0
    for off in range(64, len(data) - 31, chunk):
        if struct.unpack_from("<I", data, off)[0] != 0x4B43504D:
            continue
        pos, end = off + 32, min(off + chunk, len(data))
        while pos + 16 <= end:
            w0 = struct.unpack_from("<Q", data, pos)[0]
            if w0 == 0:
                break
            kind, words, check = w0 & 0xFF, (w0 >> 8) & 0xFF, (w0 >> 16) & 0xFFFF
            if words < 2 or pos + words * 8 > end:
                bad += 1
                break
            u32 = list(struct.unpack_from(f"<{words * 2}I", data, pos))
            u32[0] &= 0x0000FFFF
            if checksum(u32) != check:
                bad += 1
            name = KINDS.get(kind, f"kind{kind}")
            counts[name] = counts.get(name, 0) + 1
            if name == "submit":
                submit_corr.add(struct.unpack_from("<I", data, pos + 28)[0])
            elif name == "memcpy" or name == "memset":
                submit_corr.add(struct.unpack_from("<I", data, pos + (48 if name == "memcpy" else 40))[0])
            elif name == "complete":
                complete_corr.add(struct.unpack_from("<I", data, pos + 16)[0])
            elif name == "process_start":
                start_flags = struct.unpack_from("<H", data, pos + 26)[0]
            elif name == "records_lost":
                lost += struct.unpack_from("<Q", data, pos + 16)[0]
            pos += words * 8
    joined = len(submit_corr & complete_corr)
    return {
        "file": path, "closed_cleanly": bool(flags & 2), "process_flags": start_flags,
        "cupti_active": bool((start_flags or 0) & 2), "driver_launches_covered": bool((start_flags or 0) & 4),
        "bad_records": bad, "records_lost": lost, "submissions": len(submit_corr),
        "completions": len(complete_corr), "submissions_with_completion": joined, "counts": counts,
    }


if __name__ == "__main__":
    for p in sys.argv[1:]:
        print(json.dumps(summarize(p), sort_keys=True))
