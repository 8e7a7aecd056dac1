// The drainer with connections that cannot move: https keep-alive connections end at their
// next response (Connection: close), HTTP/2 sessions (cleartext and TLS) get a GOAWAY and
// finish their open streams; none is ever handed off or destroyed as an idle HTTP/1
// connection. Real servers on 127.0.0.1, a throwaway certificate, a fake DrainHost.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http2 from 'node:http2';
import https from 'node:https';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import { Drainer } from '../../../src/worker/drain.js';
import type { DrainHost } from '../../../src/worker/drain.js';
import { tempDir } from '../../support/cluster.js';
import { selfSignedCert } from '../../support/tls.js';
import type { TestCert } from '../../support/tls.js';

const KEY = '127.0.0.1:3000';
const DEADLINE = { timeout: 10_000 };

class FakeHost implements DrainHost {
  handOffs = 0;
  drainedCalls = 0;
  handOff(_key: string, _handle: object, done: (sent: boolean) => void): void {
    this.handOffs++;
    done(false);
  }
  drained(): void {
    this.drainedCalls++;
  }
}

let cert: TestCert | undefined;
function testCert(_t?: TestContext): TestCert {
  if (!cert) {
    const tmp = tempDir('baton-cert-');
    cert = selfSignedCert(tmp.dir);
    tmp.remove();
  }
  return cert;
}

async function listen(t: TestContext, server: net.Server): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => server.close());
  return (server.address() as AddressInfo).port;
}

async function waitFor(what: string, check: () => boolean, deadlineMs = 3_000): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (!check()) {
    if (Date.now() > end) assert.fail(`timed out after ${deadlineMs}ms waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

interface Reply {
  status: number;
  connection: string | undefined;
  body: string;
}

function httpsGet(port: number, agent: https.Agent, path: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    https
      .get({ host: '127.0.0.1', port, path, agent, ca: cert!.cert }, (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection, body }));
      })
      .on('error', reject);
  });
}

test('https: once draining, the next response on a kept-alive TLS connection says Connection: close and ends it', DEADLINE, async (t) => {
  const { key, cert: crt } = testCert(t);
  const host = new FakeHost();
  const drainer = new Drainer(host);
  const server = https.createServer({ key, cert: crt }, (req, res) => res.end(`ok ${req.url}`));
  drainer.addServer(server, KEY);
  const port = await listen(t, server);
  const agent = new https.Agent({ keepAlive: true, maxSockets: 1 });
  t.after(() => agent.destroy());

  assert.deepEqual(await httpsGet(port, agent, '/1'), { status: 200, connection: 'keep-alive', body: 'ok /1' });
  drainer.drain(true);
  // The connection is idle, but TLS cannot move: it stays, and its next request is served.
  assert.deepEqual(await httpsGet(port, agent, '/2'), { status: 200, connection: 'close', body: 'ok /2' });
  await waitFor('drained()', () => host.drainedCalls === 1);
  assert.equal(host.handOffs, 0);
  assert.deepEqual(drainer.counts(), { connections: 0, upgraded: 0, requests: 2 });
});

test('https: a response under way when the drain starts says Connection: close', DEADLINE, async (t) => {
  const { key, cert: crt } = testCert(t);
  const host = new FakeHost();
  const drainer = new Drainer(host);
  let release: (() => void) | undefined;
  const server = https.createServer({ key, cert: crt }, (_req, res) => (release = () => res.end('late')));
  drainer.addServer(server, KEY);
  const port = await listen(t, server);
  const agent = new https.Agent({ keepAlive: true, maxSockets: 1 });
  t.after(() => agent.destroy());

  const reply = httpsGet(port, agent, '/slow');
  await waitFor('the request to reach the app', () => release !== undefined);
  drainer.drain(true);
  release!();
  assert.deepEqual(await reply, { status: 200, connection: 'close', body: 'late' });
  await waitFor('drained()', () => host.drainedCalls === 1);
  assert.equal(host.handOffs, 0);
});

interface H2Reply {
  status: number;
  body: string;
}

function h2Get(session: http2.ClientHttp2Session, path: string): Promise<H2Reply> {
  return new Promise((resolve, reject) => {
    const stream = session.request({ ':path': path });
    let status = 0;
    let body = '';
    stream.on('response', (headers) => (status = Number(headers[':status'])));
    stream.on('data', (chunk: Buffer) => (body += chunk));
    stream.on('end', () => resolve({ status, body }));
    stream.on('error', reject);
    stream.end();
  });
}

/** An HTTP/2 app on the stream API that holds /slow until released. */
function h2App(server: http2.Http2Server | http2.Http2SecureServer): { releases: Array<() => void> } {
  const releases: Array<() => void> = [];
  server.on('stream', (stream, headers) => {
    const reply = () => {
      stream.respond({ ':status': 200 });
      stream.end(`ok ${headers[':path']}`);
    };
    if (headers[':path'] === '/slow') releases.push(reply);
    else reply();
  });
  return { releases };
}

for (const kind of ['cleartext', 'TLS'] as const) {
  for (const handoff of [true, false]) {
    test(`h2 ${kind}, drain(${handoff}): the session gets a GOAWAY, its open stream finishes, then it closes; nothing is handed off`, DEADLINE, async (t) => {
      const host = new FakeHost();
      const drainer = new Drainer(host);
      const server = kind === 'TLS' ? http2.createSecureServer({ key: testCert(t).key, cert: testCert(t).cert }) : http2.createServer();
      const { releases } = h2App(server);
      drainer.addServer(server, KEY);
      const port = await listen(t, server);
      const client = http2.connect(`${kind === 'TLS' ? 'https' : 'http'}://127.0.0.1:${port}`, kind === 'TLS' ? { ca: testCert(t).cert } : {});
      t.after(() => client.destroy());
      const goaways: number[] = [];
      client.on('goaway', (_code, lastStreamID) => goaways.push(lastStreamID));

      assert.deepEqual(await h2Get(client, '/1'), { status: 200, body: 'ok /1' });
      const slow = h2Get(client, '/slow');
      await waitFor('the slow stream to reach the app', () => releases.length === 1);
      drainer.drain(handoff);
      await waitFor('the client to get a GOAWAY', () => goaways.length > 0);
      assert.equal(goaways[0], 3, 'the GOAWAY names the last stream the worker took');
      assert.throws(() => client.request({ ':path': '/after' }), { code: 'ERR_HTTP2_GOAWAY_SESSION' });
      assert.equal(host.drainedCalls, 0, 'drained while a stream was open');
      releases[0]!();
      assert.deepEqual(await slow, { status: 200, body: 'ok /slow' });
      await waitFor('drained()', () => host.drainedCalls === 1);
      assert.equal(host.handOffs, 0);
      // Streams counted without turning on node's compatibility layer.
      assert.deepEqual(drainer.counts(), { connections: 0, upgraded: 0, requests: 2 });
      assert.equal(server.listenerCount('request'), 0);
    });
  }
}

test('h2: a session that opens after the drain began gets a GOAWAY at once', DEADLINE, async (t) => {
  const host = new FakeHost();
  const drainer = new Drainer(host);
  const server = http2.createServer();
  h2App(server);
  drainer.addServer(server, KEY);
  await listen(t, server);
  // A connection accepted just before the listener closed reaches the server late.
  const late = net.createServer((socket) => server.emit('connection', socket));
  const latePort = await listen(t, late);
  drainer.drain(true);

  const client = http2.connect(`http://127.0.0.1:${latePort}`);
  t.after(() => client.destroy());
  const [, lastStreamID] = (await once(client, 'goaway')) as [number, number];
  assert.equal(lastStreamID, 0);
  await once(client, 'close');
  await waitFor('drained()', () => host.drainedCalls === 1);
});

test('h2 with a request listener (the compatibility API): streams count once, HTTP/1 only through allowHTTP1', DEADLINE, async (t) => {
  const host = new FakeHost();
  const drainer = new Drainer(host);
  const server = http2.createSecureServer({ key: testCert(t).key, cert: testCert(t).cert, allowHTTP1: true });
  drainer.addServer(server, KEY);
  server.on('request', (req, res) => res.end(`ok ${req.httpVersion}`));
  const port = await listen(t, server);

  const client = http2.connect(`https://127.0.0.1:${port}`, { ca: testCert(t).cert });
  t.after(() => client.destroy());
  assert.deepEqual(await h2Get(client, '/'), { status: 200, body: 'ok 2.0' });
  const agent = new https.Agent({ keepAlive: true, maxSockets: 1 });
  t.after(() => agent.destroy());
  assert.deepEqual(await httpsGet(port, agent, '/'), { status: 200, connection: 'keep-alive', body: 'ok 1.1' });
  assert.equal(drainer.counts().requests, 2);

  const closed = once(client, 'close');
  drainer.drain(true);
  assert.deepEqual(await httpsGet(port, agent, '/'), { status: 200, connection: 'close', body: 'ok 1.1' });
  await closed;
  await waitFor('drained()', () => host.drainedCalls === 1);
  assert.equal(drainer.counts().requests, 3);
});
