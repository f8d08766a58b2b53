"""A minimal HTTP/2 client written frame by frame, for the hermes-target HTTP/2 tests:
the legitimate prober (one request at a time on one connection, timing each answer) and
the attackers (frames no well-behaved library would send). HPACK is written as literal
fields without Huffman coding or indexing, plus the static-table indices it needs.

Everything talks to 127.0.0.0/8 only; every loop is bounded by the caller."""
import socket
import ssl
import struct
import time

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
DATA, HEADERS, RST_STREAM, SETTINGS, PING, GOAWAY, WINDOW_UPDATE, CONTINUATION = (
    0x0, 0x1, 0x3, 0x4, 0x6, 0x7, 0x8, 0x9)
END_STREAM, END_HEADERS, ACK = 0x1, 0x4, 0x1
ENHANCE_YOUR_CALM = 0xb


def frame(ftype, flags, stream, payload=b""):
    n = len(payload)
    return struct.pack(">BHBBI", n >> 16, n & 0xFFFF, ftype, flags, stream) + payload


def _len(n):
    # HPACK integer with a 7-bit prefix, no Huffman.
    if n < 127:
        return bytes([n])
    out, n = bytearray([127]), n - 127
    while n >= 128:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def literal(name, value):
    """Literal header field without indexing, new name."""
    name, value = name.encode(), value.encode() if isinstance(value, str) else value
    return b"\x00" + _len(len(name)) + name + _len(len(value)) + value


def literal_indexed(name, value):
    """Literal header field with incremental indexing (enters the dynamic table)."""
    name, value = name.encode(), value.encode()
    return b"\x40" + _len(len(name)) + name + _len(len(value)) + value


def request_block(path, method="GET", authority="localhost", extra=()):
    block = literal(":method", method) + b"\x87"  # :scheme https (static index 7)
    block += literal(":authority", authority) + literal(":path", path)
    for name, value in extra:
        block += literal(name, value)
    return block


def connect(port, ctx, src="127.0.0.1", timeout=5.0):
    """TLS connection with ALPN h2 and the client preface + empty SETTINGS sent."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.bind((src, 0))
    s.connect(("127.0.0.1", port))
    t = ctx.wrap_socket(s, server_hostname="localhost")
    if t.selected_alpn_protocol() != "h2":
        raise AssertionError(f"ALPN selected {t.selected_alpn_protocol()!r}, not h2")
    t.sendall(PREFACE + frame(SETTINGS, 0, 0))
    return t


def h2_context(cafile):
    ctx = ssl.create_default_context(cafile=cafile)
    ctx.set_alpn_protocols(["h2", "http/1.1"])
    return ctx


class Reader:
    """Reads frames from a socket; answers SETTINGS and PING as a client must."""

    def __init__(self, sock):
        self.sock, self.buf = sock, b""
        self.goaway = None  # error code once a GOAWAY arrived

    def _fill(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("connection closed")
            self.buf += chunk

    def next(self):
        self._fill(9)
        length = (self.buf[0] << 16) | (self.buf[1] << 8) | self.buf[2]
        ftype, flags, stream = self.buf[3], self.buf[4], struct.unpack(">I", self.buf[5:9])[0]
        self._fill(9 + length)
        payload, self.buf = self.buf[9:9 + length], self.buf[9 + length:]
        if ftype == SETTINGS and not flags & ACK:
            self.sock.sendall(frame(SETTINGS, ACK, 0))
        elif ftype == PING and not flags & ACK:
            self.sock.sendall(frame(PING, ACK, 0, payload))
        elif ftype == GOAWAY:
            self.goaway = struct.unpack(">I", payload[4:8])[0]
        return ftype, flags, stream & 0x7FFFFFFF, payload

    def until_closed(self, timeout):
        """Reads (and drops) frames until the server closes; True if it did in time."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.sock.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                self.next()
            except (EOFError, ConnectionError, ssl.SSLError, OSError):
                return True
        return False


class Prober:
    """The legitimate client: GET `path` one at a time on one h2 connection; returns
    (seconds, status, body bytes) per request. Status 0 means no answer."""

    def __init__(self, port, ctx, path="/api/v1/small", src="127.0.0.2"):
        self.sock = connect(port, ctx, src=src)
        self.reader = Reader(self.sock)
        self.path, self.next_id = path, 1

    def get(self):
        sid, self.next_id = self.next_id, self.next_id + 2
        t0 = time.monotonic()
        self.sock.sendall(frame(HEADERS, END_HEADERS | END_STREAM, sid, request_block(self.path)))
        status, body = 0, 0
        while True:
            ftype, flags, stream, payload = self.reader.next()
            if stream != sid:
                continue
            if ftype == HEADERS:
                status = _status(payload)
            elif ftype == DATA:
                body += len(payload)
                if payload:
                    self.sock.sendall(frame(WINDOW_UPDATE, 0, 0, struct.pack(">I", len(payload))))
            elif ftype == RST_STREAM:
                return time.monotonic() - t0, 0, body
            if flags & END_STREAM:
                return time.monotonic() - t0, status, body

    def close(self):
        self.sock.close()


def _status(block):
    # :status is the first field; nghttp2 sends it indexed (0x88 = 200) or as a
    # literal with indexed name (0x08 + length + digits).
    b = block[0]
    table = {0x88: 200, 0x89: 204, 0x8a: 206, 0x8b: 304, 0x8c: 400, 0x8d: 404, 0x8e: 500}
    if b in table:
        return table[b]
    if b & 0xF0 in (0x00, 0x10, 0x40) and block[1] == 3:
        return int(block[2:5])
    return -1
