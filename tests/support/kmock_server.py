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
      The next `count` requests whose path equals `path` (and method, and a
      query string containing `query` such as "watch=true", when given) answer a Kubernetes `Status` error and change NOTHING. kmock
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
  GET  /__kmock__/requests the method, path and query string of every API
                           request so far.
  GET  /__kmock__/execs    every exec request that reached the pods' `exec`
                           subresource: namespace, pod, container, command,
                           stdin, tty, and whether a process was started.
  GET  /__kmock__/exec-resizes  every resize frame received: namespace, pod,
                           Width, Height.
  POST /__kmock__/portforward {"namespace": "shop", "pod": "api-1", "port": 8080,
                               "to": 41234}
      Where the pod's port is: a REAL local TCP server on 127.0.0.1:`to`.
  GET  /__kmock__/portforwards  every port-forward request: namespace, pod, ports,
                           and whether it was upgraded.
  GET  /__kmock__/evictions every eviction request (namespace, pod, body) and
                           the status answered (201, 404, 429 from a budget).
  POST /__kmock__/sever    {} close every open exec and port-forward WebSocket
      at once, without a Status (a server or network going away mid-session).

The pods' `exec` subresource (`GET /api/v1/namespaces/NS/pods/POD/exec
?command=…&container=…&stdin=…&stdout=…&stderr=…&tty=…`) is served as the
kubelet serves it: a WebSocket negotiating `v5.channel.k8s.io` (else
`v4.channel.k8s.io`), binary frames whose first byte is the channel (0 stdin,
1 stdout, 2 stderr, 3 error: the final `Status`, 4 resize `{"Width","Height"}`;
in v5 a client frame `[255, channel]` closes that stream). The command runs
as a REAL local process (with a pty when tty=true; resize frames set its
window size). The pods' `portforward` subresource (`GET .../pods/POD/portforward?ports=P[,Q]`)
is served as the kubelet's WebSocket port-forward: `v4.channel.k8s.io`, two
channels per port (data 2i, error 2i+1), each opened by a frame carrying the
port as two little-endian bytes; data frames carry the bytes of ONE TCP
connection to the registered local server. A refused connection is a text
message on the error channel, as the kubelet writes it. When the pod's side
closes, the WebSocket closes.

A pod not in the store answers 404 before the upgrade; a
container the pod does not have (or none named for a multi-container pod)
answers 400, as the API server does. SelfSubjectAccessReview rules may name
a `subresource` ("exec"); without one they match reviews without one.

Objects FILE is a JSON list of Kubernetes objects (apiVersion, kind,
metadata.name, metadata.namespace where namespaced).
"""

import argparse
import asyncio
import datetime
import fcntl
import json
import os
import pty
import struct
import subprocess
import sys
import termios

import aiohttp.web
import kmock

# kind -> (resource key, namespaced)
RESOURCES = {
    'Pod': ('v1/pods', True),
    'Service': ('v1/services', True),
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
    'PodDisruptionBudget': ('policy/v1/poddisruptionbudgets', True),
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
        self.execs = []      # exec requests, in order
        self.resizes = []    # resize frames received
        self.forward_to = {}  # (ns, pod, port) -> local TCP port
        self.forwards = []    # port-forward requests, in order
        self.sockets = set()  # open exec / port-forward WebSockets
        self.evictions = []   # eviction requests and the status answered

    async def __call__(self, raw):
        path = raw.path
        if path.startswith('/__kmock__/'):
            return await self.control(raw, path[len('/__kmock__/'):])
        self.seen.append({'method': raw.method, 'path': path, 'query': raw.query_string})
        for f in self.failures:
            if (f['count'] > 0 and f['path'] == path
                    and f.get('method', raw.method).upper() == raw.method
                    and f.get('query', '') in raw.query_string):
                f['count'] -= 1
                await raw.read()
                return status(f['status'], f.get('message') or f'injected failure {f["status"]}')
        if raw.method == 'POST' and path == '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews':
            return self.review(await raw.json())
        if raw.method == 'GET' and path.startswith('/api/v1/namespaces/') and path.endswith('/log'):
            return self.pod_log(raw, path)
        if raw.method in ('GET', 'POST') and path.startswith('/api/v1/namespaces/') and path.endswith('/exec'):
            return await self.pod_exec(raw, path)
        if raw.method in ('GET', 'POST') and path.startswith('/api/v1/namespaces/') and path.endswith('/portforward'):
            return await self.pod_portforward(raw, path)
        if raw.method == 'POST' and path.startswith('/api/v1/namespaces/') and path.endswith('/eviction'):
            return await self.pod_eviction(raw, path)
        return await super().__call__(raw)

    async def pod_eviction(self, raw, path):
        """The Eviction API as the API server answers it: 429 while a
        PodDisruptionBudget selecting the pod allows no disruption, else the
        budget's disruptionsAllowed goes down by one and the pod is deleted
        (201). Budgets match by spec.selector.matchLabels."""
        parts = path.split('/')  # '', api, v1, namespaces, NS, pods, NAME, eviction
        if len(parts) != 8 or parts[5] != 'pods':
            return status(404, f'not found: {path}')
        ns, name = parts[4], parts[6]
        body = await raw.json()
        record = {'namespace': ns, 'pod': name, 'body': body, 'code': None}
        self.evictions.append(record)
        async with self._lock:
            pod_key = None
            for key, obj in self.objects.items():
                res, ons, oname = key
                if res.plural == 'pods' and ons == ns and oname == name and not obj.deleted:
                    pod_key = key
            if pod_key is None:
                record['code'] = 404
                return status(404, f'pods "{name}" not found')
            labels = self.objects[pod_key].raw.get('metadata', {}).get('labels', {}) or {}
            budgets = []
            for (res, ons, oname), obj in self.objects.items():
                if res.plural != 'poddisruptionbudgets' or ons != ns or obj.deleted:
                    continue
                want = obj.raw.get('spec', {}).get('selector', {}).get('matchLabels', {}) or {}
                if want and all(labels.get(k) == v for k, v in want.items()):
                    budgets.append((res, ons, oname))
            for key in budgets:
                pdb = self.objects[key].raw
                allowed = pdb.get('status', {}).get('disruptionsAllowed', 0)
                if allowed <= 0:
                    record['code'] = 429
                    st = pdb.get('status', {})
                    return aiohttp.web.json_response({
                        'apiVersion': 'v1', 'kind': 'Status', 'metadata': {}, 'status': 'Failure',
                        'code': 429, 'reason': 'TooManyRequests',
                        'message': "Cannot evict pod as it would violate the pod's disruption budget.",
                        'details': {'causes': [{'reason': 'DisruptionBudget', 'message':
                            f'The disruption budget {key[2]} needs {st.get("desiredHealthy", 0)} healthy pods '
                            f'and has {st.get("currentHealthy", 0)} currently'}]},
                    }, status=429)
            for key in budgets:
                self.rv += 1
                obj = self.objects[key]
                obj.patch({'status': {'disruptionsAllowed': obj.raw['status']['disruptionsAllowed'] - 1},
                           'metadata': {'resourceVersion': str(self.rv)}})
                await self._buses[key[0]].put({'type': 'MODIFIED', 'object': obj.raw})
            gone = self.objects[pod_key].raw
            self.objects[pod_key].delete()
            await self._buses[pod_key[0]].put({'type': 'DELETED', 'object': gone})
        record['code'] = 201
        return aiohttp.web.json_response(
            {'apiVersion': 'v1', 'kind': 'Status', 'metadata': {}, 'status': 'Success', 'code': 201},
            status=201)

    async def pod_portforward(self, raw, path):
        parts = path.split('/')  # '', api, v1, namespaces, NS, pods, NAME, portforward
        if len(parts) != 8 or parts[5] != 'pods':
            return status(404, f'not found: {path}')
        ns, name = parts[4], parts[6]
        try:
            ports = [int(p) for p in raw.query.get('ports', '').split(',') if p]
        except ValueError:
            return status(400, f'invalid port in {raw.query.get("ports")!r}')
        record = {'namespace': ns, 'pod': name, 'ports': ports, 'upgraded': False}
        self.forwards.append(record)
        if self.stored_pod(ns, name) is None:
            return status(404, f'pods "{name}" not found')
        if not ports or any(not 0 < p < 65536 for p in ports):
            return status(400, 'at least one port in 1-65535 must be given')
        ws = aiohttp.web.WebSocketResponse(protocols=('v4.channel.k8s.io',))
        check = ws.can_prepare(raw)
        if not check.ok or check.protocol is None:
            return status(400, 'port-forward needs a WebSocket upgrade offering v4.channel.k8s.io')
        await ws.prepare(raw)
        record['upgraded'] = True
        self.sockets.add(ws)
        try:
            await PortForwardSession(self, ws, ns, name, ports).run()
        finally:
            self.sockets.discard(ws)
        return ws

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
            if all(rule.get(k) in (None, attrs.get(k)) for k in ('verb', 'resource', 'namespace', 'group')) \
                    and (rule.get('subresource') or '') == (attrs.get('subresource') or ''):
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

    def container_env(self):
        """A container's environment, not the host user's: HOME is an empty
        directory, so a shell reads no host dotfiles (a ~/.bashrc that runs
        `pyenv init` hangs an interactive bash on a pty)."""
        if not hasattr(self, 'home'):
            import tempfile
            self.home = tempfile.mkdtemp(prefix='kmock-home-')
        return dict(os.environ, HOME=self.home)

    def stored_pod(self, ns, name):
        for (res, ons, oname), obj in self.objects.items():
            if res.plural == 'pods' and ons == ns and oname == name and not obj.deleted:
                return obj.raw
        return None

    async def pod_exec(self, raw, path):
        parts = path.split('/')  # '', api, v1, namespaces, NS, pods, NAME, exec
        if len(parts) != 8 or parts[5] != 'pods':
            return status(404, f'not found: {path}')
        ns, name = parts[4], parts[6]
        q = raw.query
        flag = lambda k: q.get(k, 'false').lower() in ('true', '1')
        command = q.getall('command', [])
        record = {'namespace': ns, 'pod': name, 'container': q.get('container'), 'command': command,
                  'stdin': flag('stdin'), 'stdout': flag('stdout'), 'stderr': flag('stderr'),
                  'tty': flag('tty'), 'started': False}
        self.execs.append(record)
        pod = self.stored_pod(ns, name)
        if pod is None:
            return status(404, f'pods "{name}" not found')
        spec = pod.get('spec', {})
        names = [c['name'] for key in ('containers', 'initContainers', 'ephemeralContainers')
                 for c in spec.get(key, []) or []]
        container = q.get('container')
        if not container:
            if len(spec.get('containers', [])) != 1:
                return status(400, f'a container name must be specified for pod {name}, '
                                   f'choose one of: [{" ".join(names)}]')
            container = names[0]
        elif container not in names:
            return status(400, f'container {container} is not valid for pod {name}')
        if not command:
            return status(400, 'you must specify at least 1 command')
        if record['tty'] and record['stderr']:
            return status(400, 'tty and stderr cannot both be true')
        ws = aiohttp.web.WebSocketResponse(protocols=('v5.channel.k8s.io', 'v4.channel.k8s.io'))
        check = ws.can_prepare(raw)
        if not check.ok or check.protocol is None:
            return status(400, 'exec needs a WebSocket upgrade offering v5.channel.k8s.io or v4.channel.k8s.io')
        await ws.prepare(raw)
        v5 = ws.ws_protocol == 'v5.channel.k8s.io'
        self.sockets.add(ws)
        try:
            await ExecSession(self, ws, v5, record, ns, name).run()
        finally:
            self.sockets.discard(ws)
        return ws

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
        elif what == 'execs':
            return aiohttp.web.json_response(self.execs)
        elif what == 'exec-resizes':
            return aiohttp.web.json_response(self.resizes)
        elif what == 'portforward':
            self.forward_to[(body['namespace'], body['pod'], int(body['port']))] = int(body['to'])
        elif what == 'portforwards':
            return aiohttp.web.json_response(self.forwards)
        elif what == 'evictions':
            return aiohttp.web.json_response(self.evictions)
        elif what == 'sever':
            for ws in list(self.sockets):
                # Abruptly: the transport goes, no close frame, no Status.
                if ws._req is not None and ws._req.transport is not None:
                    ws._req.transport.abort()
            n = len(self.sockets)
            self.sockets.clear()
            return aiohttp.web.json_response({'severed': n})
        else:
            return status(404, f'unknown control endpoint {what}')
        return aiohttp.web.json_response({'ok': True})


STDIN, STDOUT, STDERR, ERROR, RESIZE, CLOSE = 0, 1, 2, 3, 4, 255


class ExecSession:
    """One exec: a real local process behind the channel protocol."""

    def __init__(self, emulator, ws, v5, record, ns, pod):
        self.emulator, self.ws, self.v5, self.record = emulator, ws, v5, record
        self.ns, self.pod = ns, pod
        self.proc = None
        self.master = None   # the pty's master fd (tty=true)
        self.stdin_open = record['stdin']
        self.sized = asyncio.Event()   # set by the first resize frame

    async def send(self, channel, data):
        if not self.ws.closed:
            await self.ws.send_bytes(bytes([channel]) + data)

    async def run(self):
        r = self.record
        loop = asyncio.get_running_loop()
        reader = None
        try:
            if r['tty']:
                master, slave = pty.openpty()
                self.master = master
                os.set_blocking(master, False)
                # A client sends the terminal size as its first resize frame
                # right after connecting. Start the command once that size is
                # on the pty (or after a short wait), so a command that reads
                # its size at start (`stty size`) sees it rather than 0x0.
                reader = asyncio.ensure_future(self.read_client())
                try:
                    await asyncio.wait_for(self.sized.wait(), 2.0)
                except asyncio.TimeoutError:
                    pass

                def controlling_tty():
                    fcntl.ioctl(0, termios.TIOCSCTTY, 0)

                self.proc = subprocess.Popen(r['command'], stdin=slave, stdout=slave, stderr=slave,
                                             start_new_session=True, preexec_fn=controlling_tty,
                                             env=self.emulator.container_env())
                os.close(slave)
                outputs = [self.pump_pty(loop, master)]
            else:
                self.proc = subprocess.Popen(
                    r['command'],
                    env=self.emulator.container_env(),
                    stdin=subprocess.PIPE if r['stdin'] else subprocess.DEVNULL,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE if r['stderr'] else subprocess.DEVNULL)
                outputs = [self.pump_pipe(loop, self.proc.stdout, STDOUT if r['stdout'] else None)]
                if r['stderr']:
                    outputs.append(self.pump_pipe(loop, self.proc.stderr, STDERR))
        except OSError as e:
            if reader is not None:
                reader.cancel()
            await self.finish({'metadata': {}, 'status': 'Failure', 'reason': 'InternalError',
                               'message': f'failed to exec in container: {e.strerror}: {r["command"][0]}'})
            return
        r['started'] = True
        if reader is None:
            reader = asyncio.ensure_future(self.read_client())
        try:
            await asyncio.gather(*outputs)
            code = await loop.run_in_executor(None, self.proc.wait)
        finally:
            reader.cancel()
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
            if self.master is not None:
                os.close(self.master)
        if code == 0:
            await self.finish({'metadata': {}, 'status': 'Success'})
        else:
            code = code if code > 0 else 128 - code
            await self.finish({
                'metadata': {}, 'status': 'Failure',
                'message': f'command terminated with non-zero exit code: exit status {code}',
                'reason': 'NonZeroExitCode',
                'details': {'causes': [{'reason': 'ExitCode', 'message': str(code)}]}})

    async def finish(self, st):
        await self.send(ERROR, json.dumps(st).encode())
        await self.ws.close()

    async def pump_pipe(self, loop, pipe, channel):
        while True:
            data = await loop.run_in_executor(None, os.read, pipe.fileno(), 32768)
            if not data:
                return
            if channel is not None:
                await self.send(channel, data)

    async def pump_pty(self, loop, master):
        queue = asyncio.Queue()

        def readable():
            try:
                data = os.read(master, 32768)
            except BlockingIOError:
                return
            except OSError:   # EIO: every slave side is closed
                data = b''
            if not data:
                loop.remove_reader(master)
            queue.put_nowait(data)

        loop.add_reader(master, readable)
        while True:
            data = await queue.get()
            if not data:
                return
            await self.send(STDOUT, data)

    def close_stdin(self):
        if not self.stdin_open:
            return
        self.stdin_open = False
        if self.master is not None:
            os.write(self.master, b'\x04')   # EOF at the start of a line, as a terminal sends it
        elif self.proc.stdin:
            self.proc.stdin.close()

    async def read_client(self):
        loop = asyncio.get_running_loop()
        async for msg in self.ws:
            if msg.type != aiohttp.WSMsgType.BINARY or not msg.data:
                continue
            channel, data = msg.data[0], msg.data[1:]
            if channel == STDIN and self.stdin_open:
                if self.master is not None:
                    os.write(self.master, data)
                else:
                    try:
                        await loop.run_in_executor(None, self.write_stdin, data)
                    except (BrokenPipeError, ValueError):
                        self.stdin_open = False
            elif channel == RESIZE:
                size = json.loads(data)
                self.emulator.resizes.append({'namespace': self.ns, 'pod': self.pod,
                                              'Width': size.get('Width'), 'Height': size.get('Height')})
                if self.master is not None:
                    fcntl.ioctl(self.master, termios.TIOCSWINSZ,
                                struct.pack('HHHH', size.get('Height', 0), size.get('Width', 0), 0, 0))
                self.sized.set()
            elif channel == CLOSE and self.v5 and data[:1] == bytes([STDIN]):
                self.close_stdin()
        # v4 has no close frame: the client closing the socket ends stdin.
        self.close_stdin()

    def write_stdin(self, data):
        self.proc.stdin.write(data)
        self.proc.stdin.flush()


class PortForwardSession:
    """One port-forward WebSocket: per port, one TCP connection to the
    registered local server, bytes copied both ways on its data channel."""

    def __init__(self, emulator, ws, ns, pod, ports):
        self.emulator, self.ws, self.ns, self.pod, self.ports = emulator, ws, ns, pod, ports
        self.writers = {}   # data channel -> StreamWriter

    async def send(self, channel, data):
        if not self.ws.closed:
            await self.ws.send_bytes(bytes([channel]) + data)

    async def run(self):
        pumps = []
        for i, port in enumerate(self.ports):
            prefix = struct.pack('<H', port)
            await self.send(2 * i, prefix)
            await self.send(2 * i + 1, prefix)
            to = self.emulator.forward_to.get((self.ns, self.pod, port))
            try:
                if to is None:
                    raise ConnectionRefusedError()
                reader, writer = await asyncio.open_connection('127.0.0.1', to)
            except OSError:
                await self.send(2 * i + 1, (
                    f'error forwarding port {port} to pod {self.pod}, uid : failed to connect to '
                    f'localhost:{port} inside namespace "{self.ns}": connection refused').encode())
                continue
            self.writers[2 * i] = writer
            pumps.append(asyncio.ensure_future(self.pump(reader, 2 * i)))
        if not pumps:
            await self.ws.close()
            return
        client = asyncio.ensure_future(self.read_client())
        # The pod's side closing ends the session, as the kubelet does.
        await asyncio.wait(pumps + [client], return_when=asyncio.FIRST_COMPLETED)
        await asyncio.sleep(0)
        client.cancel()
        for p in pumps:
            p.cancel()
        for w in self.writers.values():
            w.close()
        await self.ws.close()

    async def pump(self, reader, channel):
        while True:
            data = await reader.read(65536)
            if not data:
                return
            await self.send(channel, data)

    async def read_client(self):
        async for msg in self.ws:
            if msg.type != aiohttp.WSMsgType.BINARY or len(msg.data) < 1:
                continue
            channel, data = msg.data[0], msg.data[1:]
            w = self.writers.get(channel)
            if w is not None and data:
                w.write(data)
                await w.drain()


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
