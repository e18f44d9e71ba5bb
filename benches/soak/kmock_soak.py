"""tests/support/kmock_server.py for a long run: the same server, arguments
and output (`READY <port>`), with a bounded request history.

    python kmock_soak.py --port PORT --objects FILE

kmock records every request it has served (`Root._requests`, and each
reaction's `_requests`) and, to choose the reaction for a new request,
filters that whole history again (`request in payload._source` in
kmock/_internal/apps.py). A request thus costs more the more requests came
before: against 10,000 pods, 10 status patches a second fall to ~4 a second
within two minutes, with p99 latencies of 10 s and more. A soak needs the
emulator to keep up for half an hour, so this launcher forgets each request
once it has been answered (a watch when its stream ends): the histories hold
only the requests in flight, which is all the matching needs (kmock_server's
reactions use no request counts). kmock_server's own `seen` list (what
/__kmock__/requests answers) keeps only the newest 1,000. Nothing else changes:
the same objects, handlers, watches and output (`READY <port>`).
"""

import asyncio
import os
import sys

# Import the test server without leaving a __pycache__ beside it in tests/.
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'tests', 'support'))
import kmock_server  # noqa: E402

SEEN = 1000

_handle = kmock_server.Emulator._handle
_call = kmock_server.Emulator.__call__


def forget(history, request):
    """Drop `request` (by identity) from a history list, newest first."""
    for i in range(len(history) - 1, -1, -1):
        if history[i] is request:
            del history[i]
            return


async def handle_then_forget(self, request):
    try:
        return await _handle(self, request)
    finally:
        forget(self._requests, request)
        for payload in self._payloads:
            forget(payload._requests, request)


async def bounded_call(self, raw):
    if len(self.seen) > 2 * SEEN:
        del self.seen[:-SEEN]
    return await _call(self, raw)


kmock_server.Emulator._handle = handle_then_forget
kmock_server.Emulator.__call__ = bounded_call

if __name__ == '__main__':
    try:
        asyncio.run(kmock_server.main())
    except KeyboardInterrupt:
        sys.exit(0)
