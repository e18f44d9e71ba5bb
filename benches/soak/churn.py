"""Pod churn for benches/soak.sh: merge-patches pods' status on a kmock API
server, as kubelets do on a busy cluster.

    python churn.py --url http://127.0.0.1:PORT --pods N [--rate 10] [--stats FILE]

The pods are the ones benches/soak.sh preloads (the same names as
benches/workloads_live.sh: `svc-{i%40}-{i:05d}` in shop/payments/search/platform
by i%4; every 97th starts in CrashLoopBackOff). About `rate` patches a second
go to PATCH /api/v1/namespaces/NS/pods/NAME/status with
Content-Type: application/merge-patch+json (the status subresource, as the
kubelet writes it; kmock merges the body into the stored object and sends a
MODIFIED watch event). Lists are replaced whole by a merge patch, so every
patch carries the pod's complete `conditions` and `containerStatuses`. Kinds:

  restart  restartCount + 1, lastState terminated (Error, exit 1), running again
  flip     readiness toggled (ready / not ready)
  crash    (1 in 20) CrashLoopBackOff waiting state, not ready, after an
           OOMKilled termination; such a pod recovers on its next patch

Every `--stats-every` seconds the counters (patches by kind, HTTP errors,
latency) are written as JSON to FILE (atomically, via rename).
"""

import argparse
import asyncio
import datetime
import json
import os
import random
import sys
import time

import aiohttp

NAMESPACES = ['shop', 'payments', 'search', 'platform']


def now():
    return datetime.datetime.now(datetime.UTC).strftime('%Y-%m-%dT%H:%M:%SZ')


class Pod:
    def __init__(self, i):
        self.ns = NAMESPACES[i % 4]
        self.app = f'svc-{i % 40}'
        self.name = f'{self.app}-{i:05d}'
        self.image = f'shop/{self.app}:1.0.{i % 7}'
        self.crash = i % 97 == 0
        self.ready = not self.crash
        self.restarts = 7 if self.crash else 0
        self.last = {'terminated': {'exitCode': 137, 'reason': 'OOMKilled'}} if self.crash else None

    def status(self):
        if self.crash:
            state = {'waiting': {'reason': 'CrashLoopBackOff',
                                 'message': f'back-off 5m0s restarting failed container={self.app}'}}
        else:
            state = {'running': {'startedAt': now()}}
        cs = {'name': self.app, 'image': self.image, 'imageID': '', 'ready': self.ready,
              'restartCount': self.restarts, 'state': state}
        if self.last:
            cs['lastState'] = self.last
        return {'status': {
            'phase': 'Running',
            'conditions': [{'type': 'Ready', 'status': 'True' if self.ready else 'False'}],
            'containerStatuses': [cs],
        }}


class Stats:
    def __init__(self):
        self.started = time.time()
        self.by_kind = {'restart': 0, 'flip': 0, 'crash': 0}
        self.ok = 0
        self.errors = 0
        self.last_error = None
        self.lat = []
        self.lat_max = 0.0

    def as_dict(self):
        lat = sorted(self.lat[-1000:])
        return {
            'uptime_s': round(time.time() - self.started, 1),
            'patches_ok': self.ok,
            'patch_errors': self.errors,
            'last_error': self.last_error,
            'by_kind': self.by_kind,
            'latency_ms_p50_recent': round(lat[len(lat) // 2] * 1000, 1) if lat else None,
            'latency_ms_p99_recent': round(lat[int(len(lat) * 0.99)] * 1000, 1) if lat else None,
            'latency_ms_max': round(self.lat_max * 1000, 1),
        }


async def patch(session, base, pod, kind, stats):
    if kind == 'restart':
        pod.restarts += 1
        pod.crash = False
        pod.ready = True
        pod.last = {'terminated': {'exitCode': 1, 'reason': 'Error', 'finishedAt': now()}}
    elif kind == 'flip':
        pod.crash = False
        pod.ready = not pod.ready
    else:
        pod.restarts += 1
        pod.crash = True
        pod.ready = False
        pod.last = {'terminated': {'exitCode': 137, 'reason': 'OOMKilled', 'finishedAt': now()}}
    url = f'{base}/api/v1/namespaces/{pod.ns}/pods/{pod.name}/status'
    t0 = time.monotonic()
    try:
        async with session.patch(url, data=json.dumps(pod.status()),
                                 headers={'Content-Type': 'application/merge-patch+json'}) as r:
            await r.read()
            if r.status >= 300:
                stats.errors += 1
                stats.last_error = f'{r.status} on {url}'
                return
    except aiohttp.ClientError as e:
        stats.errors += 1
        stats.last_error = f'{type(e).__name__}: {e}'
        return
    dt = time.monotonic() - t0
    stats.lat.append(dt)
    if len(stats.lat) > 5000:
        del stats.lat[:4000]
    stats.lat_max = max(stats.lat_max, dt)
    stats.ok += 1
    stats.by_kind[kind] += 1


async def write_stats(path, every, stats):
    while True:
        await asyncio.sleep(every)
        tmp = path + '.tmp'
        with open(tmp, 'w') as f:
            json.dump(stats.as_dict(), f)
        os.replace(tmp, path)


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--url', required=True)
    ap.add_argument('--pods', type=int, default=10000)
    ap.add_argument('--rate', type=float, default=10.0, help='patches per second')
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--stats')
    ap.add_argument('--stats-every', type=float, default=5.0)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    pods = [Pod(i) for i in range(args.pods)]
    stats = Stats()
    if args.stats:
        asyncio.ensure_future(write_stats(args.stats, args.stats_every, stats))
    interval = 1.0 / args.rate
    pending = set()
    async with aiohttp.ClientSession(base_url=None, timeout=aiohttp.ClientTimeout(total=30)) as session:
        print('CHURNING', flush=True)
        t0 = time.monotonic()
        k = 0
        while True:
            due = t0 + k * interval
            delay = due - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            k += 1
            r = rng.random()
            kind = 'crash' if r < 0.05 else 'restart' if r < 0.5 else 'flip'
            pod = pods[rng.randrange(len(pods))]
            # A slow server must not pile up requests without bound.
            if len(pending) >= 50:
                stats.errors += 1
                stats.last_error = 'skipped: 50 patches already in flight'
                continue
            t = asyncio.ensure_future(patch(session, args.url, pod, kind, stats))
            pending.add(t)
            t.add_done_callback(pending.discard)


if __name__ == '__main__':
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
