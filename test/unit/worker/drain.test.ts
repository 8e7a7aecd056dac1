// The drainer against a real http.Server on 127.0.0.1 and real client connections, with a
// fake DrainHost: idle connections are handed off unread and closed only after the hand-off
// is written, in-flight requests finish with "Connection: close", stop mode destroys.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import { Drainer } from '../../../src/worker/drain.js';
import type { DrainHost } from '../../../src/worker/drain.js';

const KEY = '127.0.0.1:3000';
const DEADLINE = { timeout: 10_000 };

interface HandOffCall {
  key: string;
  handle: object;
  settled: boolean;
  done(sent: boolean): void;
}

/** Records every call; hand-offs stay pending until the test (or cleanup) settles them. */
class FakeHost implements DrainHost {
  readonly handOffs: HandOffCall[] = [];
  drainedCalls = 0;
  onHandOff: ((call: HandOffCall) => void) | undefined;
  onDrained: (() => void) | undefined;

  handOff(key: string, handle: object, done: (sent: boolean) => void): void {
    const call: HandOffCall = {
      key,
      handle,
      settled: false,
      done(sent) {
        assert.equal(call.settled, false, 'done called twice');
        call.settled = true;
        done(sent);
      },
    };
    this.handOffs.push(call);
    this.onHandOff?.(call);
  }

  drained(): void {
    this.drainedCalls++;
    this.onDrained?.();
  }

  /** Cleanup: a hand-off left pending would keep the drainer's sweep timer running. */
  settleAll(): void {
    for (const call of this.handOffs) if (!call.settled) call.done(false);
  }
}

/** What a client socket has seen from the server's side. */
interface Seen {
  ended: boolean;
  closed: boolean;
  errors: Error[];
  data: string;
}

function watch(socket: net.Socket): Seen {
  const seen: Seen = { ended: false, closed: false, errors: [], data: '' };
  socket.on('end', () => (seen.ended = true));
  socket.on('close', () => (seen.closed = true));
  socket.on('error', (err) => seen.errors.push(err));
  return seen;
}

function untouched(seen: Seen): boolean {
  return !seen.ended && !seen.closed && seen.errors.length === 0;
}

/** Polls until `check` holds; fails with `what` past the deadline. */
async function waitFor(what: string, check: () => boolean, deadlineMs = 2_000): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (!check()) {
    if (Date.now() > end) assert.fail(`timed out after ${deadlineMs}ms waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Polls `check` for `windowMs` (many drain sweeps) and fails as soon as it stops holding. */
async function holdsFor(what: string, check: () => boolean, windowMs = 100): Promise<void> {
  const end = Date.now() + windowMs;
  while (Date.now() < end) {
    assert.ok(check(), `no longer true: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  assert.ok(check(), `no longer true: ${what}`);
}

/**
 * Runs `action` inside the drainer's `count`th sweep from now (its timer callback), asserting
 * `check` after every sweep until then. A response that ends in that callback has its socket
 * closed by node one poll phase later, before any further sweep: a sweep in between would hand
 * the closing connection off if isIdle() did not exclude ended sockets. Spies on the
 * private sweep() because the drainer has no clock to inject.
 */
function afterSweeps(t: TestContext, drainer: Drainer, count: number, what: string, check: () => boolean, action: () => void): Promise<void> {
  const spied = drainer as unknown as { sweep(): void };
  const sweep = spied.sweep;
  assert.equal(typeof sweep, 'function', 'Drainer#sweep is gone: update this spy');
  const restore = () => delete (spied as unknown as Record<string, unknown>)['sweep'];
  t.after(restore);
  return new Promise((resolve, reject) => {
    let seen = 0;
    spied.sweep = () => {
      sweep.call(drainer);
      try {
        assert.ok(check(), `no longer true after ${seen + 1} sweeps: ${what}`);
        if (++seen < count) return;
        restore();
        action();
        resolve();
      } catch (err) {
        restore();
        reject(err);
      }
    };
  });
}

interface Setup {
  host: FakeHost;
  drainer: Drainer;
  server: http.Server;
  port: number;
  /** Server-side sockets, in accept order. */
  serverSockets: net.Socket[];
  /** Server-side responses that have finished (node has detached them from their socket). */
  finished: http.ServerResponse[];
}

async function setup(t: TestContext, handler: http.RequestListener = (_req, res) => res.end('ok')): Promise<Setup> {
  const host = new FakeHost();
  const drainer = new Drainer(host);
  const finished: http.ServerResponse[] = [];
  const server = http.createServer((req, res) => {
    res.on('finish', () => finished.push(res));
    handler(req, res);
  });
  drainer.addServer(server, KEY);
  const serverSockets: net.Socket[] = [];
  server.on('connection', (socket: net.Socket) => serverSockets.push(socket));
  server.listen(0, '127.0.0.1');
  t.after(() => {
    host.settleAll();
    for (const socket of serverSockets) socket.destroy();
    server.closeAllConnections();
    server.close();
  });
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  return { host, drainer, server, port, serverSockets, finished };
}

interface KeepAlive {
  agent: http.Agent;
  socket: net.Socket;
  seen: Seen;
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One complete request on a keep-alive agent; the connection stays open afterwards. */
function keepAliveGet(t: TestContext, port: number): Promise<KeepAlive> {
  const ka = new http.Agent({ keepAlive: true, maxSockets: 1 });
  t.after(() => ka.destroy());
  return new Promise((resolve, reject) => {
    let socket: net.Socket | undefined;
    let seen: Seen | undefined;
    const req = http.get({ host: '127.0.0.1', port, path: '/', agent: ka }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ agent: ka, socket: socket!, seen: seen!, status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('socket', (s: net.Socket) => {
      socket = s;
      seen = watch(s);
    });
    req.on('error', reject);
  });
}

/** A raw client connection that has sent nothing yet. */
async function rawConnect(t: TestContext, port: number): Promise<{ socket: net.Socket; seen: Seen }> {
  const socket = net.connect(port, '127.0.0.1');
  t.after(() => socket.destroy());
  const seen = watch(socket);
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => (seen.data += chunk));
  await once(socket, 'connect');
  return { socket, seen };
}

function handleOf(socket: net.Socket): unknown {
  return (socket as net.Socket & { _handle?: unknown })._handle;
}

test('drain(true) hands an idle keep-alive connection off and closes it only after done', DEADLINE, async (t) => {
  const { host, drainer, port, serverSockets, finished } = await setup(t);
  const client = await keepAliveGet(t, port);
  assert.equal(client.status, 200);
  await waitFor('the server to finish its response', () => finished.length === 1);
  assert.equal(serverSockets.length, 1);
  const serverSocket = serverSockets[0]!;

  let atHandOff: { serverDestroyed: boolean; clientUntouched: boolean; drained: number } | undefined;
  let handleAtHandOff: unknown;
  host.onHandOff = () => {
    atHandOff = {
      serverDestroyed: serverSocket.destroyed,
      clientUntouched: untouched(client.seen),
      drained: host.drainedCalls,
    };
    handleAtHandOff = handleOf(serverSocket);
  };
  drainer.drain(true);

  await waitFor('handOff', () => host.handOffs.length > 0);
  const call = host.handOffs[0]!;
  assert.equal(call.key, KEY);
  assert.equal(typeof call.handle, 'object');
  assert.ok(call.handle !== null);
  assert.equal(call.handle, handleAtHandOff, 'the handle is the connection\'s own native handle');
  assert.deepEqual(atHandOff, { serverDestroyed: false, clientUntouched: true, drained: 0 });

  // Until the hand-off is written, nothing may reach the client: it may be sending on
  // this connection right now.
  await holdsFor('the client connection stays open while the hand-off is pending', () => untouched(client.seen));
  assert.equal(serverSocket.destroyed, false);
  assert.equal(host.drainedCalls, 0, 'drained() before the hand-off was written');
  assert.equal(host.handOffs.length, 1);

  await new Promise<void>((resolve) => setImmediate(resolve));
  call.done(true);
  assert.equal(serverSocket.destroyed, true, 'our copy of the connection is closed once the hand-off is written');
  await waitFor('drained()', () => host.drainedCalls > 0);

  // In-process the drainer held the only copy of the fd, so the client now sees the close.
  await waitFor('the client to see the close', () => client.seen.closed);
  if (!serverSocket.closed) await once(serverSocket, 'close');
  await holdsFor('drained() is called once', () => host.drainedCalls === 1, 30);
  assert.equal(host.handOffs.length, 1);
});

test('drain(true) lets an in-flight request finish with Connection: close and does not hand it off', DEADLINE, async (t) => {
  let release: (() => void) | undefined;
  const { host, drainer, port, serverSockets } = await setup(t, (_req, res) => {
    release = () => res.end('late');
  });
  let allClosedAtDrained: boolean | undefined;
  host.onDrained = () => (allClosedAtDrained = serverSockets.every((s) => s.destroyed));

  const response = keepAliveGet(t, port);
  await waitFor('the request to reach the handler', () => release !== undefined);
  drainer.drain(true);
  await afterSweeps(
    t,
    drainer,
    10,
    'no hand-off and no drained() while the request is in flight',
    () => host.handOffs.length === 0 && host.drainedCalls === 0,
    () => release!(),
  );

  const client = await response;
  assert.equal(client.status, 200);
  assert.equal(client.body, 'late');
  assert.equal(client.headers.connection, 'close');
  await waitFor('the client to see the close', () => client.seen.closed);
  await waitFor('drained() or a hand-off', () => host.drainedCalls > 0 || host.handOffs.length > 0);
  assert.equal(host.handOffs.length, 0, 'a connection that ends with Connection: close was handed off');
  assert.equal(allClosedAtDrained, true, 'drained() ran before the connection was closed');
  assert.equal(host.drainedCalls, 1);
});

test('a connection that has sent nothing yet is idle and is handed off unread', DEADLINE, async (t) => {
  let requests = 0;
  const { host, drainer, port, serverSockets } = await setup(t, (_req, res) => {
    requests++;
    res.end('ok');
  });
  const client = await rawConnect(t, port);
  await waitFor('the server to accept', () => serverSockets.length === 1);
  const serverSocket = serverSockets[0]!;
  assert.equal(serverSocket.bytesRead, 0);

  drainer.drain(true);
  await waitFor('handOff', () => host.handOffs.length === 1);
  assert.equal(host.handOffs[0]!.key, KEY);
  assert.equal(serverSocket.destroyed, false);

  // Bytes sent after the hand-off stay in the kernel for the worker that adopts it.
  client.socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
  await holdsFor('the handed-off connection is not read', () => requests === 0 && serverSocket.bytesRead === 0 && untouched(client.seen));

  host.handOffs[0]!.done(true);
  assert.equal(serverSocket.destroyed, true);
  await waitFor('drained()', () => host.drainedCalls === 1);
  assert.equal(requests, 0);
  assert.equal(host.handOffs.length, 1);
});

test('a connection with a partial request is not idle: it finishes with Connection: close', DEADLINE, async (t) => {
  let release: (() => void) | undefined;
  const { host, drainer, port, serverSockets } = await setup(t, (_req, res) => {
    release = () => res.end('ok');
  });
  const client = await rawConnect(t, port);
  client.socket.write('GET / HTTP/1.1\r\nHost: x\r\n');
  await waitFor('the server to read the partial request', () => serverSockets[0] !== undefined && serverSockets[0].bytesRead > 0);
  const serverSocket = serverSockets[0]!;

  drainer.drain(true);
  await holdsFor(
    'a half-received request is neither handed off nor closed',
    () => host.handOffs.length === 0 && !serverSocket.destroyed && host.drainedCalls === 0 && untouched(client.seen),
  );

  client.socket.write('\r\n');
  await waitFor('the completed request to reach the handler', () => release !== undefined);
  await afterSweeps(t, drainer, 1, 'no hand-off of a connection with a request in flight', () => host.handOffs.length === 0, () => release!());
  await waitFor('the server to close the connection', () => client.seen.ended);
  assert.match(client.seen.data, /^HTTP\/1\.1 200 /);
  assert.match(client.seen.data, /\r\nConnection: close\r\n/i);
  assert.match(client.seen.data, /\r\n\r\nok$/);
  await waitFor('drained() or a hand-off', () => host.drainedCalls > 0 || host.handOffs.length > 0);
  assert.equal(host.handOffs.length, 0, 'a connection that ends with Connection: close was handed off');
  assert.equal(host.drainedCalls, 1);
});

test('drain(false) destroys an idle keep-alive connection and never hands off', DEADLINE, async (t) => {
  const { host, drainer, port, serverSockets, finished } = await setup(t);
  const client = await keepAliveGet(t, port);
  await waitFor('the server to finish its response', () => finished.length === 1);

  drainer.drain(false);
  await waitFor('the client to see the close', () => client.seen.closed);
  assert.equal(serverSockets[0]!.destroyed, true);
  await waitFor('drained()', () => host.drainedCalls === 1);
  assert.equal(host.handOffs.length, 0);
});

test('drain() stops accepting without closing idle connections', DEADLINE, async (t) => {
  const { host, drainer, server, port, serverSockets, finished } = await setup(t);
  const client = await keepAliveGet(t, port);
  await waitFor('the server to finish its response', () => finished.length === 1);

  drainer.drain(true);
  assert.equal(drainer.isDraining, true);
  assert.equal(server.listening, false);
  const refused = net.connect(port, '127.0.0.1');
  t.after(() => refused.destroy());
  const [err] = (await once(refused, 'error')) as [NodeJS.ErrnoException];
  assert.equal(err.code, 'ECONNREFUSED');

  // http.Server#close would have destroyed the idle connection: it must still be open.
  assert.equal(serverSockets[0]!.destroyed, false);
  assert.ok(untouched(client.seen));
  assert.equal(host.handOffs.length, 1);
  host.handOffs[0]!.done(true);
  await waitFor('drained()', () => host.drainedCalls === 1);
});

test('drain() twice calls drained() once', DEADLINE, async (t) => {
  const { host, drainer, port, finished } = await setup(t);
  host.onHandOff = (call) => setImmediate(() => call.done(true));
  await keepAliveGet(t, port);
  await waitFor('the server to finish its response', () => finished.length === 1);

  drainer.drain(true);
  drainer.drain(true);
  await waitFor('drained()', () => host.drainedCalls > 0);
  drainer.drain(true);
  drainer.drain(false);
  await holdsFor('drained() is called once', () => host.drainedCalls === 1, 50);
  assert.equal(host.handOffs.length, 1);
});

test('drain(false) after drain(true) destroys connections that become idle later', DEADLINE, async (t) => {
  let release: (() => void) | undefined;
  const { host, drainer, port, serverSockets } = await setup(t, (_req, res) => {
    // Headers (keep-alive) leave before the drain, so this connection stays open after it.
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.write('first ');
    release = () => res.end('last');
  });
  const response = keepAliveGet(t, port);
  await waitFor('the request to reach the handler', () => release !== undefined);

  drainer.drain(true);
  drainer.drain(false);
  release!();
  const client = await response;
  assert.equal(client.headers.connection, 'keep-alive');
  assert.equal(client.body, 'first last');

  await waitFor('the client to see the close', () => client.seen.closed);
  assert.equal(serverSockets[0]!.destroyed, true);
  await waitFor('drained()', () => host.drainedCalls === 1);
  assert.equal(host.handOffs.length, 0, 'a later drain(false) must take hand-off away');
});

test('drain(true) with no connections calls drained() promptly', DEADLINE, async (t) => {
  const { host, drainer, server } = await setup(t);
  drainer.drain(true);
  await waitFor('drained()', () => host.drainedCalls > 0, 100);
  assert.equal(server.listening, false);
  await holdsFor('drained() is called once', () => host.drainedCalls === 1, 50);
  assert.equal(host.handOffs.length, 0);
});

// After a "Connection: close" response node has called socket.end(), but the socket is not
// destroyed until the shutdown completes, a loop iteration later. A sweep in that window
// finds no response, nothing buffered and an idle parser; it must still not hand the
// closing connection off. Draining from the response's 'finish' (which runs after node's
// own end()) makes the window deterministic.
test(
  'a connection closing after its Connection: close response is not handed off',
  DEADLINE,
  async (t) => {
    const { host, drainer, port, serverSockets } = await setup(t, (_req, res) => {
      res.on('finish', () => drainer.drain(true));
      res.end('bye');
    });
    host.onHandOff = (call) => setImmediate(() => call.done(true));
    const client = await rawConnect(t, port);
    client.socket.write('GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');

    await waitFor('the client to see the end', () => client.seen.ended);
    assert.match(client.seen.data, /\r\nConnection: close\r\n.*\r\n\r\nbye$/s);
    await waitFor('drained()', () => host.drainedCalls > 0);
    assert.equal(drainer.isDraining, true);
    assert.equal(host.handOffs.length, 0, 'a connection that had already ended was handed off');
    assert.equal(serverSockets[0]!.destroyed, true);
  },
);

test('takePeak() gives the most connections open at once since the previous call, then starts from what is open', DEADLINE, async (t) => {
  const { drainer, port, serverSockets } = await setup(t);
  assert.equal(drainer.takePeak(), 0);
  const clients = await Promise.all([rawConnect(t, port), rawConnect(t, port), rawConnect(t, port)]);
  await waitFor('the server to see three connections', () => drainer.counts().connections === 3);
  for (const { socket } of clients.slice(0, 2)) socket.destroy();
  await waitFor('two of them to close', () => drainer.counts().connections === 1);
  assert.equal(drainer.takePeak(), 3, 'three were open at once');
  assert.equal(drainer.takePeak(), 1, 'since then, one');
  assert.equal(serverSockets.length, 3);
});
