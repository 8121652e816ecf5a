#!/usr/bin/python3
"""Put the Snapshot frames of a decoded stream back together, as a consumer
does (docs/ebpf-stream.md, "A snapshot in several frames"), for the tests.

Reads the JSON lines of decode_stream.py (protobuf's own Python decoder,
json_format names: uint64 as strings, fields at their default left out) on
stdin. Prints one line per whole snapshot:

    BACKEND/MAP SEQ FRAMES ENTRIES DISTINCT_KEYS SUM_OF_FIRST_VALUES

and exits 1, saying why on stderr, when a snapshot's frames are not
consecutive with parts 0, 1, 2, ... and `more` set on all but the last, or
when the stream's first Snapshot frame is not a part 0 (a subscriber that
got the middle of a snapshot). With --cut-ok, a snapshot left open by the
end of the input (a capture cut short) is not an error, and not printed.
"""
import json
import sys


def first_u(fields):
    """The first Value of the first Field, as an int (0 when absent)."""
    if not fields or not fields[0].get("values"):
        return 0
    v = fields[0]["values"][0]
    return int(v.get("u", v.get("i", 0)))


def main():
    cut_ok = "--cut-ok" in sys.argv[1:]
    cur = None  # the snapshot being put together
    for line in sys.stdin:
        frame = json.loads(line)
        snap = frame.get("snapshot")
        if snap is None:
            if cur:
                sys.exit("a %s frame inside snapshot %s" % (next(iter(frame)), cur["seq"]))
            continue
        seq, part = int(snap.get("seq", 0)), snap.get("part", 0)
        name = "%s/%s" % (snap.get("backend", ""), snap.get("map", ""))
        if cur is None:
            if part != 0:
                sys.exit("%s: snapshot %s starts with part %d" % (name, seq, part))
            cur = {"name": name, "seq": seq, "frames": 0, "keys": [], "sum": 0}
        elif (seq, name, part) != (cur["seq"], cur["name"], cur["frames"]):
            sys.exit("%s: part %d of snapshot %s after %d parts of %s %s"
                     % (name, part, seq, cur["frames"], cur["name"], cur["seq"]))
        cur["frames"] += 1
        for e in snap.get("entries", []):
            cur["keys"].append(first_u(e.get("key")))
            cur["sum"] += first_u(e.get("value"))
        if not snap.get("more", False):
            print(cur["name"], cur["seq"], cur["frames"], len(cur["keys"]),
                  len(set(cur["keys"])), cur["sum"])
            cur = None
    if cur and not cut_ok:
        sys.exit("%s: snapshot %s ends without a last part" % (cur["name"], cur["seq"]))


main()
