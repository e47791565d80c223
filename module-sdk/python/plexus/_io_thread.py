"""IoThread: serves the connection whenever no run() loop does: between connect and run(), so
heartbeats go out and publish()/stats() are answered while the module sets itself up. run()
parks it for as long as it reads the socket itself; a parked I/O thread waits on a condition
variable and costs nothing on the event path. Thread rule: park()/unpark() in pairs from the
thread that then owns the connection (the run() thread); close() from any other thread.
"""

from __future__ import annotations

import sys
import threading

from plexus._connection import Connection

_SERVING, _PARK_REQUESTED, _PARKED, _CLOSING = range(4)


class IoThread:
    def __init__(self, connection: Connection) -> None:
        """The calling thread owns `connection`; the I/O thread takes it over."""
        self._connection = connection
        self._changed = threading.Condition()
        self._state = _SERVING
        connection.hand_over()
        self._thread = threading.Thread(target=self._main, name="plexus-sdk-io", daemon=True)
        self._thread.start()

    def park(self) -> None:
        """Returns once the I/O thread gave the connection up; the caller owns it then."""
        with self._changed:
            self._state = _PARK_REQUESTED
        self._connection.wake()
        with self._changed:
            self._changed.wait_for(lambda: self._state == _PARKED)
        self._connection.take_over()

    def unpark(self) -> None:
        """The caller gives the connection back to the I/O thread."""
        self._connection.hand_over()
        with self._changed:
            self._state = _SERVING
            self._changed.notify_all()

    def close(self) -> None:
        """Stops the thread; the caller owns the connection afterwards."""
        with self._changed:
            parked = self._state == _PARKED
            self._state = _CLOSING
            self._changed.notify_all()
        if not parked:
            self._connection.wake()
        self._thread.join()
        self._connection.take_over()

    def _main(self) -> None:
        self._connection.take_over()
        try:
            while True:
                with self._changed:
                    if self._state == _PARK_REQUESTED:
                        self._connection.hand_over()
                        self._state = _PARKED
                        self._changed.notify_all()
                        self._changed.wait_for(lambda: self._state != _PARKED)
                        if self._state == _CLOSING:
                            return
                        self._connection.take_over()
                    if self._state == _CLOSING:
                        self._connection.hand_over()
                        return
                # Up to a heartbeat interval; a post() or wake() from another thread ends it.
                self._connection.serve(60.0)
        except Exception as e:  # noqa: BLE001 - say why the module went deaf, then stop serving
            print(f"plexus-sdk: the I/O thread stopped: {e!r}", file=sys.stderr)
            self._connection.hand_over()
