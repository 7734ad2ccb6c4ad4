"""A TCP proxy in front of the test PostgreSQL server that loses a COMMIT or its answer (the commit tests).

``arm("after")``: the next COMMIT goes to the server, the server's answer is dropped and the client's
connection cut (the server committed; the client cannot know). ``arm("before")``: the connection is
cut before the COMMIT reaches the server (it rolls back). ``refuse=True``: after the cut, new
connections are refused too (the ledger cannot be asked again).
"""

from __future__ import annotations

import socket
import threading


class CuttingProxy:
    def __init__(self, port: int) -> None:
        self.target = ("127.0.0.1", port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.mode: str | None = None
        self.refuse = False
        self.cut = threading.Event()
        self._dropping = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def url(self, database: str, user: str) -> str:
        return f"postgresql://{user}@127.0.0.1:{self.port}/{database}"

    def arm(self, mode: str, *, refuse: bool = False) -> None:
        self.mode, self.refuse = mode, refuse

    def close(self) -> None:
        self.listener.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if self.refuse and self.cut.is_set():
                client.close()
                continue
            server = socket.create_connection(self.target)
            threading.Thread(target=self._upstream, args=(client, server), daemon=True).start()
            threading.Thread(target=self._downstream, args=(server, client), daemon=True).start()

    def _upstream(self, client: socket.socket, server: socket.socket) -> None:
        while chunk := _recv(client):
            if self.mode and not self.cut.is_set() and b"COMMIT" in chunk:
                mode, self.mode = self.mode, None
                if mode == "before":
                    self._cut(client, server)
                    return
                self._dropping.set()             # the answer to this COMMIT never reaches the client
            try:
                server.sendall(chunk)
            except OSError:
                break
        _close(server)

    def _downstream(self, server: socket.socket, client: socket.socket) -> None:
        while chunk := _recv(server):
            if self._dropping.is_set():
                self._dropping.clear()
                self._cut(client, server)
                return
            try:
                client.sendall(chunk)
            except OSError:
                break
        _close(client)

    def _cut(self, client: socket.socket, server: socket.socket) -> None:
        self.cut.set()                           # first: a client reconnecting at once is refused already
        _close(client)
        _close(server)


def _recv(sock: socket.socket) -> bytes:
    try:
        return sock.recv(65536)
    except OSError:
        return b""


def _close(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()
