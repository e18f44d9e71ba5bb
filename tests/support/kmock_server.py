"""A kmock Kubernetes API emulator for warroom's integration tests.

Started by `tests/support/kmock.rs` as
    python kmock_server.py --port PORT [--objects FILE]
It prints `READY <port>` on stdout once it listens on 127.0.0.1.

It wraps `kmock.KubernetesEmulator` (a stateful API server over real HTTP:
list, watch, get, create, merge-patch, delete) with what the emulator lacks
and the tests need, all under `/__kmock__/` so they never collide with the
Kubernetes API paths:

  POST /__kmock__/fail     {"path": "/api/v1/...", "method": "PATCH"?,
                            "status": 403, "count": 1, "message": "..."}
      The next `count` requests whose path equals `path` (and method, when
      given) answer a Kubernetes `Status` error and change NOTHING. kmock
      itself applies writes even when a reaction answers, so the failure is
      injected in front of it.
  POST /__kmock__/ssar     {"verb": "delete", "resource": "pods",
                            "namespace": "shop"?, "allowed": false, "reason": "..."}
      A SelfSubjectAccessReview rule. Reviews are answered like an API
      server (`status.allowed`, `status.reason`); the first matching rule
      wins, anything unmatched is allowed.
  POST /__kmock__/logs     {"namespace": "shop", "pod": "web-1",
                            "container": "web"?, "previous": false, "text": "..."}
      What `GET .../pods/NAME/log` answers (honours tailLines; `follow`
      returns the text and ends).
  GET  /__kmock__/dump     every stored object (to restart with the same state).
  GET  /__kmock__/requests the method and path of every API request so far.

Objects FILE is a JSON list of Kubernetes objects (apiVersion, kind,
metadata.name, metadata.namespace where namespaced).
"""

import argparse
import asyncio
import datetime
import json
import sys

import aiohttp.web
import kmock

# kind -> (resource key, namespaced)
RESOURCES = {
    'Pod': ('v1/pods', True),
    'Node': ('v1/nodes', False),
    'Namespace': ('v1/namespaces', False),
    'Event': ('v1/events', True),
    'ConfigMap': ('v1/configmaps', True),
    'Secret': ('v1/secrets', True),
    'Deployment': ('apps/v1/deployments', True),
    'ReplicaSet': ('apps/v1/replicasets', True),
    'StatefulSet': ('apps/v1/statefulsets', True),
    'DaemonSet': ('apps/v1/daemonsets', True),
    'Job': ('batch/v1/jobs', True),
    'CronJob': ('batch/v1/cronjobs', True),
    # Velero's CRDs, for the backups pane's `kind = "velero"` source.
    'Backup': ('velero.io/v1/backups', True),
    'Schedule': ('velero.io/v1/schedules', True),
}
VERBS = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete']


def status(code, message, reason=None):
    reasons = {400: 'BadRequest', 401: 'Unauthorized', 403: 'Forbidden', 404: 'NotFound',
               409: 'Conflict', 422: 'Invalid', 500: 'InternalError', 503: 'ServiceUnavailable'}
    return aiohttp.web.json_response({
        'apiVersion': 'v1', 'kind': 'Status', 'metadata': {}, 'status': 'Failure',
        'code': code, 'reason': reason or reasons.get(code, 'Unknown'), 'message': message,
    }, status=code)


class Emulator(kmock.KubernetesEmulator):
    """The emulator plus failure injection, SSAR answers, pod logs and a dump."""

    def __attrs_post_init__(self):
        super().__attrs_post_init__()
        self.rv = 1000
        self.failures = []   # [{path, method, status, count, message}]
        self.ssar_rules = []
        self.logs = {}       # (ns, pod, container, previous) -> text
        self.seen = []

    async def __call__(self, raw):
        path = raw.path
        if path.startswith('/__kmock__/'):
            return await self.control(raw, path[len('/__kmock__/'):])
        self.seen.append({'method': raw.method, 'path': path})
        for f in self.failures:
            if f['count'] > 0 and f['path'] == path and f.get('method', raw.method).upper() == raw.method:
                f['count'] -= 1
                await raw.read()
                return status(f['status'], f.get('message') or f'injected failure {f["status"]}')
        if raw.method == 'POST' and path == '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews':
            return self.review(await raw.json())
        if raw.method == 'GET' and path.startswith('/api/v1/namespaces/') and path.endswith('/log'):
            return self.pod_log(raw, path)
        return await super().__call__(raw)

    async def _handle(self, request):
        # Like an API server: stamp identity on create and a new
        # resourceVersion on every write (watch clients require one).
        if request.resource is not None and isinstance(request.data, dict):
            if request.action == kmock.action.CREATE:
                self.rv += 1
                meta = request.data.setdefault('metadata', {})
                meta['resourceVersion'] = str(self.rv)
                meta.setdefault('uid', f'uid-{self.rv}')
                meta.setdefault('creationTimestamp',
                                datetime.datetime.now(datetime.UTC).strftime('%Y-%m-%dT%H:%M:%SZ'))
            elif request.action == kmock.action.UPDATE:
                self.rv += 1
                request.data.setdefault('metadata', {})['resourceVersion'] = str(self.rv)
        return await super()._handle(request)

    def review(self, body):
        attrs = body.get('spec', {}).get('resourceAttributes', {})
        verdict = {'allowed': True}
        for rule in self.ssar_rules:
            if all(rule.get(k) in (None, attrs.get(k)) for k in ('verb', 'resource', 'namespace', 'group')):
                verdict = {'allowed': bool(rule.get('allowed')), 'reason': rule.get('reason', '')}
                if not verdict['allowed']:
                    verdict['denied'] = True
                break
        body = dict(body)
        body.setdefault('apiVersion', 'authorization.k8s.io/v1')
        body.setdefault('kind', 'SelfSubjectAccessReview')
        body['status'] = verdict
        return aiohttp.web.json_response(body, status=201)

    def pod_log(self, raw, path):
        parts = path.split('/')  # '', api, v1, namespaces, NS, pods, NAME, log
        if len(parts) != 8 or parts[5] != 'pods':
            return status(404, f'not found: {path}')
        ns, pod = parts[4], parts[6]
        q = raw.query
        previous = q.get('previous') == 'true'
        key = None
        for (kns, kpod, kc, kprev) in self.logs:
            if kns == ns and kpod == pod and kprev == previous and kc in (None, q.get('container')):
                key = (kns, kpod, kc, kprev)
                break
        exists = any(res.plural == 'pods' and ons == ns and name == pod and not obj.deleted
                     for (res, ons, name), obj in self.objects.items())
        if not exists:
            return status(404, f'pods "{pod}" not found')
        if key is None:
            if previous:
                return status(400, f'previous terminated container in pod "{pod}" not found')
            return aiohttp.web.Response(text='')
        lines = self.logs[key].splitlines(keepends=True)
        if q.get('tailLines'):
            lines = lines[-int(q['tailLines']):]
        return aiohttp.web.Response(text=''.join(lines), content_type='text/plain')

    async def control(self, raw, what):
        body = await raw.json() if raw.method == 'POST' else None
        if what == 'fail':
            body.setdefault('count', 1)
            body.setdefault('status', 500)
            if 'method' in body:
                body['method'] = body['method'].upper()
            self.failures.append(body)
        elif what == 'ssar':
            self.ssar_rules.append(body)
        elif what == 'logs':
            self.logs[(body['namespace'], body['pod'], body.get('container'), bool(body.get('previous')))] = body['text']
        elif what == 'dump':
            return aiohttp.web.json_response(
                [obj.raw for obj in self.objects.values() if not obj.deleted])
        elif what == 'requests':
            return aiohttp.web.json_response(self.seen)
        else:
            return status(404, f'unknown control endpoint {what}')
        return aiohttp.web.json_response({'ok': True})


def preload(emulator, objects):
    for obj in objects:
        kind = obj.get('kind')
        if kind not in RESOURCES:
            raise SystemExit(f'kmock_server: unsupported kind {kind!r} in objects file')
        resource, namespaced = RESOURCES[kind]
        meta = obj.setdefault('metadata', {})
        meta.setdefault('resourceVersion', '1')
        meta.setdefault('creationTimestamp', datetime.datetime.now(datetime.UTC).strftime('%Y-%m-%dT%H:%M:%SZ'))
        meta.setdefault('uid', f'{kind.lower()}-{meta.get("namespace", "")}-{meta["name"]}')
        ns = meta.get('namespace') if namespaced else None
        emulator.objects[resource, ns, meta['name']] = obj


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--port', type=int, default=0)
    ap.add_argument('--objects')
    args = ap.parse_args()
    emulator = Emulator()
    for kind, (resource, namespaced) in RESOURCES.items():
        info = emulator.resources[resource]
        info.kind = kind
        info.namespaced = namespaced
        info.verbs = VERBS
    if args.objects:
        with open(args.objects) as f:
            preload(emulator, json.load(f))
    # Inside `async with emulator`, kmock renders errors (404, 409…) as
    # Kubernetes Status responses instead of raising into aiohttp.
    async with emulator, kmock.Server(emulator, host='127.0.0.1', port=args.port) as server:
        print(f'READY {server.port}', flush=True)
        await asyncio.Event().wait()


if __name__ == '__main__':
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
