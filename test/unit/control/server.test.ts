// The control server's own defences, on a real unix socket with short limits: a client
// that sends nothing or half a request is answered and closed at the deadline, one that
// is being answered is not, a line that never ends is cut off, and the cap refuses. And
// the handover of the socket between two masters: a successor's socket replaces the
// file while the old one still answers, so a client never finds nobody there.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { closeControl, listenControl, ownsPath } from '../../../src/control/server.js';

const dir = mkdtempSync(join(tmpdir(), 'baton-control-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

async function server(handle: Parameters<typeof listenControl>[1], limits = { requestDeadlineMs: 200, maxConnections: 2, warn: () => {} }) {
  const path = join(dir, `c${n++}.sock`);
  const srv = await listenControl(path, handle, limits);
  after(() => srv.server.close());
  return path;
}

function talk(path: string, send: string): Promise<{ data: string; ms: number }> {
  return new Promise((resolve) => {
    const start = Date.now();
    const socket = net.connect(path, () => send && socket.write(send));
    let data = '';
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => (data += d));
    socket.on('error', () => {});
    socket.on('close', () => resolve({ data, ms: Date.now() - start }));
  });
}

const status = async () => ({ pid: 1 }) as never;

test('nothing sent, or half a request: an error at the deadline, then the connection closes', async () => {
  const path = await server(status);
  const silent = await talk(path, '');
  assert.match(silent.data, /no request within 200ms/);
  const half = await talk(path, '{"v":1,"id":1,"cmd":"st');
  assert.match(half.data, /an incomplete request \(no newline\) within 200ms/);
  assert.ok(half.ms >= 190 && half.ms < 2000, String(half.ms));
});

test('a request being answered is not cut off by the deadline', async () => {
  const path = await server(() => new Promise((resolve) => setTimeout(() => resolve({ pid: 2 } as never), 500)));
  const slow = await talk(path, '{"v":1,"id":3,"cmd":"reload"}\n');
  assert.match(slow.data, /"id":3,"ok":true,"result":\{"pid":2\}/);
});

test('a line that never ends is cut off past 64 KiB', async () => {
  const path = await server(status);
  const long = await talk(path, 'x'.repeat(70 * 1024));
  assert.match(long.data, /request longer than 65536 bytes/);
});

test('past the cap a client is refused at once, with the reason', async () => {
  const path = await server(status, { requestDeadlineMs: 5000, maxConnections: 2, warn: () => {} });
  const held = [net.connect(path), net.connect(path)];
  after(() => held.forEach((s) => s.destroy()));
  await Promise.all(held.map((s) => new Promise((resolve) => s.once('connect', resolve))));
  const third = await talk(path, '');
  assert.match(third.data, /BATON_CONTROL_BUSY.*serves 2 clients/);
  assert.ok(third.ms < 1500, String(third.ms));
});

const limits = { requestDeadlineMs: 2000, maxConnections: 64, warn: () => {} };
const answeredBy = (pid: number) => async () => ({ pid }) as never;
/** One status request: its reply line, or the error connecting gave. */
function ask(path: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(path, () => socket.write('{"v":1,"id":1,"cmd":"status"}\n'));
    let data = '';
    socket.setEncoding('utf8');
    socket.setTimeout(2000, () => socket.destroy(new Error('no reply within 2000ms')));
    socket.on('data', (d: string) => {
      data += d;
      if (data.includes('\n')) {
        socket.destroy();
        resolve(data);
      }
    });
    socket.on('error', (err: NodeJS.ErrnoException) => resolve(`error: ${err.code ?? err.message}`));
    socket.on('close', () => resolve(data));
  });
}

test('a fresh master refuses a path a live master answers on, and replaces a stale file', async () => {
  const path = join(dir, 'fresh.sock');
  const first = await listenControl(path, answeredBy(1), limits);
  await assert.rejects(listenControl(path, answeredBy(2), limits), { code: 'BATON_ALREADY_RUNNING' });
  assert.match(await ask(path), /"pid":1/, 'the refused master did not touch the live one');
  first.server.close();
  await new Promise((resolve) => setTimeout(resolve, 50));
  const second = await listenControl(path, answeredBy(3), limits);
  assert.match(await ask(path), /"pid":3/);
  assert.equal(statSync(path).mode & 0o777, 0o600);
  closeControl(second);
  assert.equal(existsSync(path), false);
});

test('a successor replaces the file while the old master answers: every client is answered, by one or the other', async () => {
  const path = join(dir, 'handover.sock');
  const old = await listenControl(path, answeredBy(1), limits);
  // Clients keep asking while the successor binds: none may find the path empty.
  let asking = true;
  const replies: string[] = [];
  const clients = (async () => {
    for (let i = 0; asking && i < 2000; i++) replies.push(await ask(path));
  })();
  await new Promise((resolve) => setTimeout(resolve, 30));
  const successor = await listenControl(path, answeredBy(2), limits, true);
  assert.equal(ownsPath(old), false, 'the file is the successor\'s');
  assert.equal(ownsPath(successor), true);
  await new Promise((resolve) => setTimeout(resolve, 30));
  closeControl(old);
  await new Promise((resolve) => setTimeout(resolve, 30));
  asking = false;
  await clients;
  assert.ok(replies.length > 2, `only ${replies.length} replies`);
  const unanswered = replies.filter((r) => !/"pid":[12]/.test(r));
  assert.deepEqual(unanswered, [], 'a client found nobody on the control socket');
  assert.match(replies.at(-1)!, /"pid":2/);
  assert.equal(statSync(path).mode & 0o777, 0o600);
  assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith('.handover')), [], 'no temporary name left behind');
  closeControl(successor);
  assert.equal(existsSync(path), false);
});

test('a path too long for a temporary name beside it is bound straight, and still replaced', async () => {
  const long = join(dir, 'l'.repeat(Math.max(1, 100 - dir.length)) + '.sock');
  assert.ok(Buffer.byteLength(long) <= 107, 'the path itself fits a socket address');
  const old = await listenControl(long, answeredBy(1), limits);
  assert.equal(old.bound, long);
  // An old master bound straight at the path releases it first (closing unlinks it).
  closeControl(old);
  const successor = await listenControl(long, answeredBy(2), limits, true);
  assert.match(await ask(long), /"pid":2/);
  closeControl(successor);
  assert.equal(existsSync(long), false);
});
