#!/usr/bin/python3
"""An independent decoder for ebpf-stream captures, for the tests.

Uses only Debian's python3-protobuf and a module protoc generates from
proto/ebpf_stream.proto (passed as MODULE_DIR). Reads the varint-delimited
frames itself and prints one JSON object per frame (json_format's names):
a big map's snapshot is several Snapshot frames (more, seq, part), printed
one by one as they come; snapshot_parts.py puts them back together.
Usage: decode_stream.py MODULE_DIR CAPTURE
"""
import json
import sys

sys.path.insert(0, sys.argv[1])
import ebpf_stream_pb2  # noqa: E402
from google.protobuf import json_format  # noqa: E402


def frames(data):
    pos = 0
    while pos < len(data):
        length, shift = 0, 0
        while True:
            if pos >= len(data):
                raise SystemExit("truncated length prefix")
            b = data[pos]
            pos += 1
            length |= (b & 0x7F) << shift
            shift += 7
            if not b & 0x80:
                break
        if pos + length > len(data):
            # A capture cut by the stream's end: stop at the last whole frame.
            return
        frame = ebpf_stream_pb2.Frame()
        frame.ParseFromString(data[pos:pos + length])
        pos += length
        yield frame


with open(sys.argv[2], "rb") as f:
    for fr in frames(f.read()):
        print(json.dumps(json_format.MessageToDict(fr, preserving_proto_field_name=True)))
