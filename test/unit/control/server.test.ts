// The control server's own defences, on a real unix socket with short limits: a client
// that sends nothing or half a request is answered and closed at the deadline, one that
// is being answered is not, a line that never ends is cut off, and the cap refuses.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { listenControl } from '../../../src/control/server.js';

const dir = mkdtempSync(join(tmpdir(), 'baton-control-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

async function server(handle: Parameters<typeof listenControl>[1], limits = { requestDeadlineMs: 200, maxConnections: 2, warn: () => {} }) {
  const path = join(dir, `c${n++}.sock`);
  const srv = await listenControl(path, handle, limits);
  after(() => srv.close());
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
