// Mapping an app's server.listen(...) onto the master's listeners: argument forms, then matching.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { matchListeners, normalizeListenArgs } from '../../../src/worker/listen-map.js';
import type { ListenMatch, ListenRequest } from '../../../src/worker/listen-map.js';
import type { WorkerListener } from '../../../src/protocol/worker.js';

const cb = () => {};

describe('normalizeListenArgs', () => {
  test('(port)', () => {
    assert.deepEqual(normalizeListenArgs([3000]), {
      request: { kind: 'tcp', port: 3000, host: undefined },
      backlog: undefined,
      callback: undefined,
    });
  });

  test('(port, host)', () => {
    assert.deepEqual(normalizeListenArgs([3000, '127.0.0.1']), {
      request: { kind: 'tcp', port: 3000, host: '127.0.0.1' },
      backlog: undefined,
      callback: undefined,
    });
  });

  test('(port, host, backlog, callback)', () => {
    assert.deepEqual(normalizeListenArgs([3000, 'localhost', 511, cb]), {
      request: { kind: 'tcp', port: 3000, host: 'localhost' },
      backlog: 511,
      callback: cb,
    });
  });

  test('(port, backlog)', () => {
    assert.deepEqual(normalizeListenArgs([3000, 64]), {
      request: { kind: 'tcp', port: 3000, host: undefined },
      backlog: 64,
      callback: undefined,
    });
  });

  test('(port, callback)', () => {
    assert.deepEqual(normalizeListenArgs([3000, cb]), {
      request: { kind: 'tcp', port: 3000, host: undefined },
      backlog: undefined,
      callback: cb,
    });
  });

  test('("3000"): a numeric string is a port, as in node', () => {
    assert.deepEqual(normalizeListenArgs(['3000']).request, { kind: 'tcp', port: 3000, host: undefined });
    assert.deepEqual(normalizeListenArgs(['3000', '::1']).request, { kind: 'tcp', port: 3000, host: '::1' });
  });

  test('(path)', () => {
    assert.deepEqual(normalizeListenArgs(['/tmp/app.sock']), {
      request: { kind: 'unix', path: '/tmp/app.sock' },
      backlog: undefined,
      callback: undefined,
    });
  });

  test('(path, callback)', () => {
    assert.deepEqual(normalizeListenArgs(['./app.sock', cb]), {
      request: { kind: 'unix', path: './app.sock' },
      backlog: undefined,
      callback: cb,
    });
  });

  test('(path, backlog)', () => {
    assert.equal(normalizeListenArgs(['/tmp/app.sock', 10]).backlog, 10);
  });

  test('({ port, host, backlog }, callback)', () => {
    assert.deepEqual(normalizeListenArgs([{ port: 8080, host: '::1', backlog: 100 }, cb]), {
      request: { kind: 'tcp', port: 8080, host: '::1' },
      backlog: 100,
      callback: cb,
    });
  });

  test('({ port: "8080" }) takes a string port', () => {
    assert.deepEqual(normalizeListenArgs([{ port: '8080' }]).request, { kind: 'tcp', port: 8080, host: undefined });
  });

  test('({ path })', () => {
    assert.deepEqual(normalizeListenArgs([{ path: '/tmp/app.sock' }]).request, { kind: 'unix', path: '/tmp/app.sock' });
  });

  test('({ fd }) is left to the app', () => {
    assert.deepEqual(normalizeListenArgs([{ fd: 3 }, cb]), { request: { kind: 'passthrough' }, backlog: undefined, callback: cb });
  });

  test('({ handle }) is left to the app', () => {
    assert.deepEqual(normalizeListenArgs([{ handle: {} }]).request, { kind: 'passthrough' });
  });

  test('(server or socket with a _handle) is left to the app', () => {
    assert.deepEqual(normalizeListenArgs([{ _handle: null }]).request, { kind: 'passthrough' });
  });

  test('() asks for a random port', () => {
    assert.deepEqual(normalizeListenArgs([]), {
      request: { kind: 'tcp', port: 0, host: undefined },
      backlog: undefined,
      callback: undefined,
    });
  });

  test('(callback) asks for a random port', () => {
    assert.deepEqual(normalizeListenArgs([cb]), {
      request: { kind: 'tcp', port: 0, host: undefined },
      backlog: undefined,
      callback: cb,
    });
  });

  test('marks a port that is not a whole non-negative number as -1', () => {
    assert.deepEqual(normalizeListenArgs([-5]).request, { kind: 'tcp', port: -1, host: undefined });
    assert.deepEqual(normalizeListenArgs([{ port: 1.5 }]).request, { kind: 'tcp', port: -1, host: undefined });
  });
});

const ANY_3000: WorkerListener = { key: '[::]:3000', fd: 3, kind: 'tcp', host: '::', port: 3000 };
const LOOPBACK4_4000: WorkerListener = { key: '127.0.0.1:4000', fd: 4, kind: 'tcp', host: '127.0.0.1', port: 4000 };
const LOOPBACK6_4000: WorkerListener = { key: '[::1]:4000', fd: 5, kind: 'tcp', host: '::1', port: 4000 };
const SOCKET: WorkerListener = { key: '/srv/app/app.sock', fd: 6, kind: 'unix', path: '/srv/app/app.sock' };
const ALL: readonly WorkerListener[] = [ANY_3000, LOOPBACK4_4000, LOOPBACK6_4000, SOCKET];
const CWD = '/srv/app';

const tcp = (port: number, host?: string): ListenRequest => ({ kind: 'tcp', port, host });

/** The keys of the matched listeners, or fails the test with the mismatch message. */
function matchedKeys(match: ListenMatch): string[] {
  if (!match.ok) assert.fail(`expected a match, got: ${match.message}`);
  return match.listeners.map((l) => l.key);
}

/** The error message of a failed match, or fails the test. */
function failure(match: ListenMatch): string {
  if (match.ok) assert.fail(`expected no match, got ${match.listeners.map((l) => l.key).join(', ')}`);
  return match.message;
}

describe('matchListeners', () => {
  test('maps a port onto the listener on that port', () => {
    assert.deepEqual(matchedKeys(matchListeners(tcp(3000), ALL, CWD)), ['[::]:3000']);
  });

  test('maps a port onto every listener on that port', () => {
    assert.deepEqual(matchedKeys(matchListeners(tcp(4000), ALL, CWD)), ['127.0.0.1:4000', '[::1]:4000']);
  });

  test('narrows to the listener on the host the app names', () => {
    assert.deepEqual(matchedKeys(matchListeners(tcp(4000, '127.0.0.1'), ALL, CWD)), ['127.0.0.1:4000']);
    assert.deepEqual(matchedKeys(matchListeners(tcp(4000, '::1'), ALL, CWD)), ['[::1]:4000']);
  });

  test('treats localhost as 127.0.0.1 and ignores brackets and case', () => {
    assert.deepEqual(matchedKeys(matchListeners(tcp(4000, 'localhost'), ALL, CWD)), ['127.0.0.1:4000']);
    assert.deepEqual(matchedKeys(matchListeners(tcp(4000, '[::1]'), ALL, CWD)), ['[::1]:4000']);
    const upper: WorkerListener = { key: '[fe80::a]:4000', fd: 7, kind: 'tcp', host: 'fe80::a', port: 4000 };
    assert.deepEqual(matchedKeys(matchListeners(tcp(4000, 'FE80::A'), [LOOPBACK4_4000, upper], CWD)), ['[fe80::a]:4000']);
  });

  for (const wildcard of ['', '0.0.0.0', '::', '::0']) {
    test(`maps the wildcard host ${JSON.stringify(wildcard)} onto every listener on the port`, () => {
      // Includes listeners bound to wildcard addresses, so an exact host match would pick fewer.
      const listeners: WorkerListener[] = [
        { key: '0.0.0.0:5000', fd: 3, kind: 'tcp', host: '0.0.0.0', port: 5000 },
        { key: '[::]:5000', fd: 4, kind: 'tcp', host: '::', port: 5000 },
        { key: '[::0]:5000', fd: 5, kind: 'tcp', host: '::0', port: 5000 },
        { key: '127.0.0.1:5000', fd: 6, kind: 'tcp', host: '127.0.0.1', port: 5000 },
      ];
      assert.deepEqual(matchedKeys(matchListeners(tcp(5000, wildcard), listeners, CWD)), listeners.map((l) => l.key));
    });
  }

  test('falls back to every listener on the port when none binds the named host', () => {
    assert.deepEqual(matchedKeys(matchListeners(tcp(4000, '10.0.0.5'), ALL, CWD)), ['127.0.0.1:4000', '[::1]:4000']);
  });

  test('refuses a port baton does not listen on, and says how to fix it', () => {
    const message = failure(matchListeners(tcp(5000), ALL, CWD));
    assert.match(message, /tried to listen on port 5000/);
    assert.match(message, /it listens on \[::\]:3000, 127\.0\.0\.1:4000, \[::1\]:4000, \/srv\/app\/app\.sock\)/);
    assert.match(message, /process\.env\.PORT/);
    assert.match(message, /--listen/);
  });

  test('refuses port 0: a worker cannot pick its own random port', () => {
    const zero: WorkerListener = { key: '[::]:0', fd: 3, kind: 'tcp', host: '::', port: 0 };
    const message = failure(matchListeners(tcp(0), [zero, ANY_3000], CWD));
    assert.match(message, /tried to listen on a random port \(port 0 or no port\)/);
    assert.match(message, /process\.env\.PORT/);
  });

  test('says baton listens on nothing when it has no listeners', () => {
    assert.match(failure(matchListeners(tcp(3000), [], CWD)), /it listens on nothing\)/);
  });

  test('maps a unix path onto the listener with that absolute path', () => {
    const request: ListenRequest = { kind: 'unix', path: '/srv/app/app.sock' };
    assert.deepEqual(matchedKeys(matchListeners(request, ALL, CWD)), ['/srv/app/app.sock']);
  });

  test('resolves a relative unix path against the cwd', () => {
    assert.deepEqual(matchedKeys(matchListeners({ kind: 'unix', path: './app.sock' }, ALL, CWD)), ['/srv/app/app.sock']);
    assert.deepEqual(matchedKeys(matchListeners({ kind: 'unix', path: 'app/app.sock' }, ALL, '/srv')), ['/srv/app/app.sock']);
  });

  test('refuses a unix path baton does not listen on, naming the resolved path', () => {
    const message = failure(matchListeners({ kind: 'unix', path: 'other.sock' }, ALL, CWD));
    assert.match(message, /tried to listen on \/srv\/app\/other\.sock,/);
    assert.match(message, /process\.env\.PORT/);
  });

  test('leaves fd and handle listens alone', () => {
    assert.deepEqual(matchListeners({ kind: 'passthrough' }, ALL, CWD), { ok: true, listeners: [] });
  });
});
