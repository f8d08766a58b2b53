"""Misbehaving servers for hermes' fault-injection tests (stdlib only, 127.0.0.1 only).

hermes-target's --test.* flags cover faults inside a well-formed exchange (delay,
stall, reset, short body, status). These fixtures cover what a real server must
never do and hermes-target therefore cannot: endless response headers, an endless
chunked body, a listener that accepts and never answers, and a DNS server that
stops answering or goes away.

Every fixture is bounded: each connection gives up after CONN_SECONDS, a flood stops
after its byte limit, and stop() closes the listener and every open connection.
"""
import socket
import struct
import threading
import time

CONN_SECONDS = 60.0           # longest any one fixture connection is kept open
HEAD_LIMIT = 64 * 1024        # request head bytes read before giving up on a client


def read_request_head(conn, deadline):
    """Reads until the end of an HTTP request head; returns it (b"" if none)."""
    buf = b""
    while b"\r\n\r\n" not in buf and len(buf) < HEAD_LIMIT:
        conn.settimeout(max(0.05, deadline - time.monotonic()))
        try:
            chunk = conn.recv(4096)
        except OSError:
            return b""
        if not chunk:
            return b""
        buf += chunk
    return buf


class HttpFixture:
    """An HTTP/1.1 server on 127.0.0.1 whose behaviour is switched by `mode`.

    Modes (read per connection, so a switch takes effect on the next request):
      ok             200 with a small body, then close
      header_flood   status line, then header lines forever (up to flood_bytes)
      infinite_body  200, chunked, chunks forever (up to flood_bytes), never the last chunk
      endless_downloads  latency pings (`bytes=0`) get an empty 200, every other request
                     the infinite_body answer
      silent         accept, read nothing, never answer (until the peer closes)
      retry_after    503 with Retry-After: retry_after seconds
    `sent` records how many bytes each connection sent, so a test can see how much a
    client consumed before it gave up.
    """

    def __init__(self, mode="ok", flood_bytes=64 << 20, retry_after=2, body=b"hello\n"):
        self.mode = mode
        self.flood_bytes = flood_bytes
        self.retry_after = retry_after
        self.body = body
        self.sent = []
        self.connections = 0
        self._lock = threading.Lock()
        self._conns = set()
        self._stopped = threading.Event()
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/"
        self._thread = threading.Thread(target=self._accept_loop, daemon=True)
        self._thread.start()

    def _accept_loop(self):
        while not self._stopped.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with self._lock:
                self.connections += 1
                self._conns.add(conn)
            threading.Thread(target=self._serve, args=(conn, self.mode), daemon=True).start()

    def _serve(self, conn, mode):
        deadline = time.monotonic() + CONN_SECONDS
        sent = 0
        try:
            if mode == "silent":
                self._hold(conn, deadline)
                return
            head = read_request_head(conn, deadline)
            if not head:
                return
            if mode == "endless_downloads":
                mode = "ok" if b"bytes=0 " in head else "infinite_body"
                if mode == "ok":
                    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n"
                                 b"Connection: close\r\n\r\n")
                    return
            if mode == "ok":
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: "
                             + str(len(self.body)).encode() + b"\r\nConnection: close\r\n\r\n"
                             + self.body)
            elif mode == "retry_after":
                body = b"slow down\n"
                conn.sendall(b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: "
                             + str(self.retry_after).encode() + b"\r\nContent-Length: "
                             + str(len(body)).encode() + b"\r\nConnection: close\r\n\r\n" + body)
            elif mode == "header_flood":
                conn.sendall(b"HTTP/1.1 200 OK\r\n")
                line = 0
                while sent < self.flood_bytes and time.monotonic() < deadline \
                        and not self._stopped.is_set():
                    block = b"".join(b"X-Flood-%d: %s\r\n" % (line + i, b"a" * 200)
                                     for i in range(64))
                    line += 64
                    conn.settimeout(max(0.05, deadline - time.monotonic()))
                    conn.sendall(block)
                    sent += len(block)
                self._hold(conn, deadline)
            elif mode == "infinite_body":
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
                             b"Transfer-Encoding: chunked\r\n\r\n")
                chunk = b"4000\r\n" + b"z" * 0x4000 + b"\r\n"
                while sent < self.flood_bytes and time.monotonic() < deadline \
                        and not self._stopped.is_set():
                    conn.settimeout(max(0.05, deadline - time.monotonic()))
                    conn.sendall(chunk)
                    sent += 0x4000
                self._hold(conn, deadline)
        except OSError:
            pass  # the client gave up: that is what these modes are for
        finally:
            with self._lock:
                self.sent.append(sent)
                self._conns.discard(conn)
            conn.close()

    def _hold(self, conn, deadline):
        """Keeps the connection open, discarding input, until the peer closes."""
        while time.monotonic() < deadline and not self._stopped.is_set():
            conn.settimeout(0.2)
            try:
                if not conn.recv(4096):
                    return
            except socket.timeout:
                continue
            except OSError:
                return

    def open_connections(self):
        with self._lock:
            return len(self._conns)

    def stop(self):
        self._stopped.set()
        try:
            self.sock.close()
        except OSError:
            pass
        with self._lock:
            conns = list(self._conns)
        for c in conns:
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self._thread.join(timeout=2)


# --- DNS ---------------------------------------------------------------------

RCODE_NOERROR, RCODE_NXDOMAIN = 0, 3


def _parse_question(msg):
    """(id, flags, question bytes incl. type/class, qtype) or None if malformed."""
    if len(msg) < 12:
        return None
    qid, flags, qd = struct.unpack("!HHH", msg[:6])
    if qd != 1:
        return None
    i = 12
    while i < len(msg) and msg[i] != 0:
        i += 1 + msg[i]
    if i + 5 > len(msg):
        return None
    question = msg[12:i + 5]
    qtype = struct.unpack("!H", msg[i + 1:i + 3])[0]
    return qid, flags, question, qtype


def dns_answer(msg, rcode=RCODE_NOERROR, address="127.0.0.1"):
    q = _parse_question(msg)
    if q is None:
        return None
    qid, flags, question, qtype = q
    rd = flags & 0x0100
    answers = b""
    if rcode == RCODE_NOERROR and qtype == 1:  # A
        answers = (b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 60, 4)
                   + socket.inet_aton(address))
    an = 1 if answers else 0
    header = struct.pack("!HHHHHH", qid, 0x8000 | 0x0400 | rd | 0x0080 | rcode, 1, an, 0, 0)
    return header + question + answers


class DnsFixture:
    """A UDP DNS responder on `host` (default 127.0.0.1; an IPv6 literal works too)
    answering every A query with 127.0.0.1. It counts queries and records each
    client's address in `clients`.

    Modes: ok, nxdomain (every name NXDOMAIN), blackhole (queries read and dropped:
    the server "disappeared" behind a firewall). stop() closes the socket so the port
    answers ICMP port-unreachable; start() binds the same port again.
    """

    def __init__(self, mode="ok", host="127.0.0.1"):
        self.mode, self.host = mode, host
        self.clients = []
        self.queries = 0
        self.port = None
        self.sock = None
        self._thread = None
        self.start()

    def start(self):
        s = socket.socket(socket.AF_INET6 if ":" in self.host else socket.AF_INET,
                          socket.SOCK_DGRAM)
        s.bind((self.host, self.port or 0))
        s.settimeout(0.2)
        self.sock = s
        self.port = s.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, args=(s, self._stop), daemon=True)
        self._thread.start()

    def _loop(self, s, stop):
        while not stop.is_set():
            try:
                msg, peer = s.recvfrom(4096)
            except socket.timeout:
                continue
            except OSError:
                return
            self.queries += 1
            self.clients.append(peer[0])
            if self.mode == "blackhole":
                continue
            rcode = RCODE_NXDOMAIN if self.mode == "nxdomain" else RCODE_NOERROR
            reply = dns_answer(msg, rcode)
            if reply is not None:
                try:
                    s.sendto(reply, peer)
                except OSError:
                    pass

    def stop(self):
        if self.sock is None:
            return
        self._stop.set()
        self._thread.join(timeout=2)
        self.sock.close()
        self.sock = None
