"""A LibreSpeed server as its PHP backend behaves on the wire, for e2e tests (stdlib).

    python3 librespeed_server.py HOST PORT

Serves, under /backend (where LibreSpeed installs put the backend):
  GET  garbage.php?ckSize=C   C chunks of 1 MiB of random bytes (absent, non-digit or
                              <= 0: 4; above 1024: 1024), chunked, no Content-Length;
                              every other parameter (bytes=, r=) is ignored
  GET  empty.php              200, empty body (the ping)
  POST empty.php              200 and an empty body at once, before the request body
                              is read; the body is then read and discarded (PHP leaves
                              php://input alone, the web server drains it)
  GET  /_fixture/counters     JSON {"sent": body bytes offered by garbage.php,
                              "received": upload body bytes read} (test-only)
Anything else is a 404. One thread per connection, keep-alive, HTTP/1.1. Prints
"listening PORT" once bound. Stops on SIGTERM.
"""
import json
import os
import signal
import socket
import sys
import threading

MIB = 1 << 20
DATA = os.urandom(MIB)
NO_CACHE = (b"Cache-Control: no-store, no-cache, must-revalidate, max-age=0, s-maxage=0\r\n"
            b"Cache-Control: post-check=0, pre-check=0\r\nPragma: no-cache\r\n")
counters = {"sent": 0, "received": 0}
lock = threading.Lock()


def count(key, n):
    with lock:
        counters[key] += n


def chunks_asked(query):
    for pair in query.split("&"):
        name, _, value = pair.partition("=")
        if name == "ckSize":
            if value.isdigit() and int(value) > 0:
                return min(int(value), 1024)
            return 4
    return 4


class Conn:
    def __init__(self, sock):
        self.sock, self.buf = sock, b""

    def head(self):
        while b"\r\n\r\n" not in self.buf:
            if len(self.buf) > 65536:
                return None
            data = self.sock.recv(65536)
            if not data:
                return None
            self.buf += data
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        return head.decode("latin-1")

    def discard(self, n):
        take = min(n, len(self.buf))
        self.buf, n = self.buf[take:], n - take
        count("received", take)
        while n > 0:
            data = self.sock.recv(min(n, 1 << 16))
            if not data:
                return False
            n -= len(data)
            count("received", len(data))
        return True


def serve(sock):
    conn = Conn(sock)
    with sock:
        while True:
            head = conn.head()
            if head is None:
                return
            lines = head.split("\r\n")
            method, target = lines[0].split(" ")[:2]
            length = 0
            for line in lines[1:]:
                name, _, value = line.partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value)
            path, _, query = target.partition("?")
            if path == "/backend/garbage.php" and method == "GET":
                sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Description: File Transfer\r\n"
                             b"Content-Type: application/octet-stream\r\n"
                             b"Content-Disposition: attachment; filename=random.dat\r\n"
                             b"Content-Transfer-Encoding: binary\r\n" + NO_CACHE +
                             b"Transfer-Encoding: chunked\r\n\r\n")
                for _ in range(chunks_asked(query)):
                    count("sent", MIB)  # offered before the send: hermes reads no more
                    sock.sendall(b"%x\r\n" % MIB + DATA + b"\r\n")
                sock.sendall(b"0\r\n\r\n")
            elif path == "/backend/empty.php":
                sock.sendall(b"HTTP/1.1 200 OK\r\n" + NO_CACHE +
                             b"Connection: keep-alive\r\nContent-Length: 0\r\n\r\n")
                if not conn.discard(length):
                    return
            elif path == "/_fixture/counters":
                with lock:
                    body = json.dumps(counters).encode()
                sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
            else:
                if not conn.discard(length):
                    return
                sock.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 13\r\n\r\n404 not found")


def main():
    host, port = sys.argv[1], int(sys.argv[2])
    listener = socket.create_server((host, port), backlog=64)
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    print(f"listening {listener.getsockname()[1]}", flush=True)
    while True:
        sock, _ = listener.accept()
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def run(s=sock):
            try:
                serve(s)
            except OSError:
                pass

        threading.Thread(target=run, daemon=True).start()


if __name__ == "__main__":
    main()
