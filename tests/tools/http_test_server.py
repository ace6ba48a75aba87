#!/usr/bin/python3
"""A real HTTP server on 127.0.0.1 for DiffScope's download tests: serves the
files of one folder with range requests, and on other paths misbehaves on
purpose. Prints "PORT PID" on its first line, then serves until killed.

  /files/NAME    the file (Range: bytes=N- answered with 206)
  /cut/NAME      announces the whole length, sends half, drops the connection
  /slow/NAME     the file in 64 KiB pieces, 20 ms apart
  /norange/NAME  ignores Range (always 200 and the whole file)
  /status/CODE   answers with that HTTP status
  /log           the Range headers received so far, as JSON
"""
import json
import os
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ROOT = sys.argv[1]
RANGES = []


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # quiet
        pass

    def send_bytes(self, status, data, headers=()):
        self.send_response(status)
        for key, value in headers:
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        parts = self.path.split("/", 2)
        kind, name = (parts[1], parts[2]) if len(parts) == 3 else (parts[1] if len(parts) > 1 else "", "")
        if kind == "log":
            return self.send_bytes(200, json.dumps(RANGES).encode())
        if kind == "status":
            return self.send_bytes(int(name), b"no")
        path = os.path.join(ROOT, os.path.basename(name))
        if not os.path.isfile(path):
            return self.send_bytes(404, b"not found")
        data = open(path, "rb").read()
        asked = self.headers.get("Range")
        RANGES.append(asked or "")
        start = 0
        if asked and kind != "norange" and asked.startswith("bytes="):
            start = int(asked[6:].split("-")[0])
            if start >= len(data):
                return self.send_bytes(416, b"", [("Content-Range", f"bytes */{len(data)}")])
        body = data[start:]
        status = 206 if start > 0 else 200
        self.send_response(status)
        if start > 0:
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Accept-Ranges", "bytes")
        self.end_headers()
        if kind == "cut":
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(2)
            return
        if kind == "slow":
            for i in range(0, len(body), 65536):
                try:
                    self.wfile.write(body[i:i + 65536])
                    self.wfile.flush()
                except (BrokenPipeError, ConnectionResetError):
                    return
                time.sleep(0.02)
            return
        self.wfile.write(body)


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], os.getpid(), flush=True)
server.serve_forever()
