#!/usr/bin/env python3
"""A tiny SMTP sink for the benchmarks: accepts every message on 127.0.0.1 and records it.

    python3 bench/smtp_sink.py --port 2525 --out /tmp/sink.bin

Speaks just enough SMTP for Python's ``smtplib`` (which Odoo's ``ir.mail_server`` uses):
EHLO/HELO, MAIL, RCPT, DATA (dot-unstuffed), RSET, NOOP, QUIT; no TLS, no authentication.
Each accepted message is appended to ``--out`` as one record::

    <4-byte big-endian length of the header line><header line: JSON {"from", "to"}>
    <4-byte big-endian length of the data><the raw message>

and the file is flushed before the ``250`` answer to DATA, so when the client's ``sendmail``
returns the message is on disk (``read_records`` reads them back).  Written with asyncio
only: no package to install into Odoo's virtualenv.
"""

import argparse
import asyncio
import json
import struct

EHLO = b"250-sink\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250-PIPELINING\r\n250 SIZE 104857600\r\n"


class Sink:
    def __init__(self, out):
        self.out = out

    def store(self, sender, rcpts, data):
        head = json.dumps({"from": sender, "to": rcpts}).encode()
        self.out.write(struct.pack(">I", len(head)) + head + struct.pack(">I", len(data)) + data)
        self.out.flush()

    async def handle(self, reader, writer):
        writer.write(b"220 sink ESMTP\r\n")
        sender, rcpts = None, []
        try:
            while True:
                line = await reader.readline()
                if not line:
                    break
                verb = line[:4].upper()
                if verb in (b"EHLO", b"HELO"):
                    writer.write(EHLO if verb == b"EHLO" else b"250 sink\r\n")
                elif verb == b"MAIL":
                    sender, rcpts = _address(line), []
                    writer.write(b"250 OK\r\n")
                elif verb == b"RCPT":
                    rcpts.append(_address(line))
                    writer.write(b"250 OK\r\n")
                elif verb == b"DATA":
                    writer.write(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                    await writer.drain()
                    chunks = []
                    while True:
                        chunk = await reader.readline()
                        if not chunk or chunk in (b".\r\n", b".\n"):
                            break
                        chunks.append(chunk[1:] if chunk.startswith(b"..") else chunk)
                    self.store(sender, rcpts, b"".join(chunks))
                    sender, rcpts = None, []
                    writer.write(b"250 OK queued\r\n")
                elif verb == b"RSET":
                    sender, rcpts = None, []
                    writer.write(b"250 OK\r\n")
                elif verb == b"QUIT":
                    writer.write(b"221 Bye\r\n")
                    await writer.drain()
                    break
                else:  # NOOP, VRFY, …
                    writer.write(b"250 OK\r\n")
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()


def _address(line):
    text = line.decode("utf-8", "replace")
    start, end = text.find("<"), text.find(">")
    return text[start + 1 : end] if start >= 0 < end else text.split(":", 1)[-1].strip()


def read_records(path, offset=0):
    """``(records, end offset)``: the messages stored from ``offset`` on, each ``(from, [to], raw bytes)``."""
    records = []
    with open(path, "rb") as f:
        f.seek(offset)
        blob = f.read()
    pos = 0
    while pos + 4 <= len(blob):
        (n,) = struct.unpack(">I", blob[pos : pos + 4])
        head = json.loads(blob[pos + 4 : pos + 4 + n])
        pos += 4 + n
        (m,) = struct.unpack(">I", blob[pos : pos + 4])
        records.append((head["from"], head["to"], blob[pos + 4 : pos + 4 + m]))
        pos += 4 + m
    return records, offset + pos


async def serve(port, out_path):
    with open(out_path, "ab") as out:
        server = await asyncio.start_server(Sink(out).handle, "127.0.0.1", port)
        print(f"listening on 127.0.0.1:{port}", flush=True)
        async with server:
            await server.serve_forever()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--out", required=True)
    opts = parser.parse_args()
    try:
        asyncio.run(serve(opts.port, opts.out))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
