"""A stand-in Loki for benches/soak.sh: the read API warroom uses, and a live
tail pushing a steady stream of lines.

    python loki.py --port PORT [--rate 2000] [--fps 20] [--stats FILE]

Prints `READY <port>` on stdout once it listens on 127.0.0.1.

Served (Loki's documented shapes, as src/logs/loki/{client,parse,tail}.rs read them):
  GET /ready                                  "ready"
  GET /loki/api/v1/status/buildinfo           {"version": ...}
  GET /loki/api/v1/labels                     {"status":"success","data":[names]}
  GET /loki/api/v1/label/NAME/values          {"status":"success","data":[values]}
  GET /loki/api/v1/query_range                with `step` (the pane's volume
      histogram, a metric query): an empty matrix; without: an empty streams
      result (the soak measures the tail, not history).
  GET /loki/api/v1/tail?query=&start=&limit=&delay_for=   WebSocket: text frames
      {"streams":[{"stream":{labels},"values":[["<ns>","line"],...]}],
       "dropped_entries":null}, `rate` lines per second in total, in `fps`
      frames per second (2000/20 = 100 lines a frame, Loki's own maximum per
      tail frame). Timestamps are wall-clock nanoseconds, strictly increasing.
      The query is not evaluated: every tail gets the same stream.

Every `--stats-every` seconds the counters (lines and frames sent, tail
connections opened and closed, requests per path, how far the sender fell
behind its schedule) are written as JSON to FILE (atomically, via rename).
"""

import argparse
import asyncio
import json
import os
import random
import sys
import time

import aiohttp
import aiohttp.web

LABELS = {
    'job': ['soak'],
    'namespace': ['shop', 'payments', 'search', 'platform'],
    'app': ['api', 'web', 'worker', 'checkout'],
    'level': ['info', 'warn', 'error', 'debug'],
}
PATHS = ['/api/orders', '/api/cart', '/api/search', '/healthz', '/api/payments/charge', '/login']


class Stats:
    def __init__(self):
        self.started = time.time()
        self.lines = 0
        self.frames = 0
        self.tails_opened = 0
        self.tails_closed = 0
        self.tails_open = 0
        self.behind_max_s = 0.0
        self.requests = {}
        self.tail_queries = []

    def as_dict(self):
        return {
            'uptime_s': round(time.time() - self.started, 1),
            'lines_sent': self.lines,
            'frames_sent': self.frames,
            'tails_opened': self.tails_opened,
            'tails_closed': self.tails_closed,
            'tails_open': self.tails_open,
            'sender_behind_max_s': round(self.behind_max_s, 3),
            'requests': self.requests,
            'tail_queries': self.tail_queries[-20:],
        }


STATS = Stats()
_last_ts = 0


def next_ts():
    global _last_ts
    t = time.time_ns()
    _last_ts = t if t > _last_ts else _last_ts + 1
    return _last_ts


def make_line(rng, seq, level):
    path = rng.choice(PATHS)
    status = 200 if level in ('info', 'debug') else (429 if level == 'warn' else 500)
    if seq % 7 == 0:
        return json.dumps({'level': level, 'msg': 'request done', 'path': path, 'status': status,
                           'duration_ms': rng.randint(1, 900), 'trace_id': f'{rng.getrandbits(64):016x}',
                           'seq': seq})
    return (f'level={level} msg="{path} {status}" duration_ms={rng.randint(1, 900)} '
            f'trace_id={rng.getrandbits(64):016x} seq={seq}')


def frame(rng, n, seq0):
    """One tail frame of `n` lines over a few streams, oldest first."""
    streams = {}
    for k in range(n):
        ns = LABELS['namespace'][(seq0 + k) % 4]
        app = LABELS['app'][(seq0 + k) // 4 % 4]
        r = rng.random()
        level = 'error' if r < 0.03 else 'warn' if r < 0.12 else 'debug' if r < 0.2 else 'info'
        key = (ns, app, level)
        entry = [str(next_ts()), make_line(rng, seq0 + k, level)]
        streams.setdefault(key, []).append(entry)
    return json.dumps({
        'streams': [{'stream': {'job': 'soak', 'namespace': ns, 'app': app, 'level': level},
                     'values': values}
                    for (ns, app, level), values in streams.items()],
        'dropped_entries': None,
    })


def count(request):
    p = request.path
    if p.startswith('/loki/api/v1/label/'):
        p = '/loki/api/v1/label/NAME/values'
    STATS.requests[p] = STATS.requests.get(p, 0) + 1


def names(data):
    return aiohttp.web.json_response({'status': 'success', 'data': data})


async def ready(request):
    count(request)
    return aiohttp.web.Response(text='ready\n')


async def buildinfo(request):
    count(request)
    return aiohttp.web.json_response({'version': '3.4.2-soak', 'revision': 'soak', 'branch': 'soak',
                                      'goVersion': 'n/a'})


async def labels(request):
    count(request)
    return names(sorted(LABELS))


async def label_values(request):
    count(request)
    return names(sorted(LABELS.get(request.match_info['name'], [])))


async def query_range(request):
    count(request)
    q = request.query
    if 'step' in q:
        result = {'resultType': 'matrix', 'result': []}
    else:
        result = {'resultType': 'streams', 'result': []}
    return aiohttp.web.json_response({'status': 'success', 'data': {**result, 'stats': {}}})


async def tail(request):
    count(request)
    ws = aiohttp.web.WebSocketResponse(heartbeat=None, max_msg_size=0)
    await ws.prepare(request)
    app = request.app
    STATS.tails_opened += 1
    STATS.tails_open += 1
    STATS.tail_queries.append({'at': round(time.time(), 3), 'query': request.query.get('query'),
                               'start': request.query.get('start'), 'limit': request.query.get('limit')})
    rng = random.Random(STATS.tails_opened)
    per_frame = max(1, app['rate'] // app['fps'])
    interval = 1.0 / app['fps']

    async def reader():
        async for _ in ws:  # the client sends nothing but pings/close
            pass

    reading = asyncio.ensure_future(reader())
    try:
        t0 = time.monotonic()
        k = 0
        while not ws.closed and not reading.done():
            due = t0 + k * interval
            now = time.monotonic()
            if due > now:
                await asyncio.sleep(due - now)
            else:
                STATS.behind_max_s = max(STATS.behind_max_s, now - due)
            await ws.send_str(frame(rng, per_frame, STATS.lines))
            STATS.lines += per_frame
            STATS.frames += 1
            k += 1
    except (ConnectionResetError, aiohttp.ClientConnectionResetError, asyncio.CancelledError):
        pass
    finally:
        reading.cancel()
        STATS.tails_open -= 1
        STATS.tails_closed += 1
        if not ws.closed:
            await ws.close()
    return ws


async def write_stats(path, every):
    while True:
        await asyncio.sleep(every)
        tmp = path + '.tmp'
        with open(tmp, 'w') as f:
            json.dump(STATS.as_dict(), f)
        os.replace(tmp, path)


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--port', type=int, default=0)
    ap.add_argument('--rate', type=int, default=2000, help='lines per second per tail')
    ap.add_argument('--fps', type=int, default=20, help='frames per second per tail')
    ap.add_argument('--stats')
    ap.add_argument('--stats-every', type=float, default=5.0)
    args = ap.parse_args()
    app = aiohttp.web.Application()
    app['rate'], app['fps'] = args.rate, args.fps
    app.router.add_get('/ready', ready)
    app.router.add_get('/loki/api/v1/status/buildinfo', buildinfo)
    app.router.add_get('/loki/api/v1/labels', labels)
    app.router.add_get('/loki/api/v1/label/{name}/values', label_values)
    app.router.add_get('/loki/api/v1/query_range', query_range)
    app.router.add_get('/loki/api/v1/tail', tail)
    runner = aiohttp.web.AppRunner(app, access_log=None)
    await runner.setup()
    site = aiohttp.web.TCPSite(runner, '127.0.0.1', args.port)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    print(f'READY {port}', flush=True)
    if args.stats:
        await write_stats(args.stats, args.stats_every)
    else:
        await asyncio.Event().wait()


if __name__ == '__main__':
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
