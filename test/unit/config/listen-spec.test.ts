// "--listen" values: ports, host:port, [ipv6]:port and unix paths, and their display names.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ANY_HOST, formatListener, parseListenSpec } from '../../../src/config/listen-spec.js';
import { BatonError, EXIT_USAGE } from '../../../src/errors.js';

const CWD = '/srv/app';

describe('parseListenSpec', () => {
  test('binds a bare port on every interface', () => {
    assert.equal(ANY_HOST, '::');
    assert.deepEqual(parseListenSpec('3000', CWD), { kind: 'tcp', host: '::', port: 3000 });
  });

  test('accepts port 0 (any free port) and 65535', () => {
    assert.deepEqual(parseListenSpec('0', CWD), { kind: 'tcp', host: '::', port: 0 });
    assert.deepEqual(parseListenSpec('65535', CWD), { kind: 'tcp', host: '::', port: 65535 });
  });

  test('parses host:port', () => {
    assert.deepEqual(parseListenSpec('127.0.0.1:8080', CWD), { kind: 'tcp', host: '127.0.0.1', port: 8080 });
    assert.deepEqual(parseListenSpec('localhost:3000', CWD), { kind: 'tcp', host: 'localhost', port: 3000 });
  });

  test('parses a bracketed IPv6 address', () => {
    assert.deepEqual(parseListenSpec('[::1]:3000', CWD), { kind: 'tcp', host: '::1', port: 3000 });
  });

  for (const bad of ['[nothost]:3000', '[127.0.0.1]:3000', '[1:2:3]:80']) {
    test(`rejects ${bad}: brackets must hold an IPv6 address`, () => {
      assert.throws(() => parseListenSpec(bad, CWD), { code: 'BATON_INVALID_OPTION', message: /for --listen: expected a port/ });
    });
  }

  test('keeps an absolute unix socket path', () => {
    assert.deepEqual(parseListenSpec('/tmp/app.sock', CWD), { kind: 'unix', path: '/tmp/app.sock' });
  });

  test('resolves a relative unix socket path against the given cwd', () => {
    assert.deepEqual(parseListenSpec('./run/app.sock', CWD), { kind: 'unix', path: '/srv/app/run/app.sock' });
    assert.deepEqual(parseListenSpec('app.sock', CWD), { kind: 'unix', path: '/srv/app/app.sock' });
    assert.deepEqual(parseListenSpec('../shared/app', CWD), { kind: 'unix', path: '/srv/shared/app' });
  });

  for (const bad of ['65536', '99999', 'localhost:70000', '[::1]:65536']) {
    test(`rejects the out-of-range port in ${bad}`, () => {
      assert.throws(() => parseListenSpec(bad, CWD), {
        code: 'BATON_INVALID_OPTION',
        exitCode: 2,
        message: /with a port from 0 \(any free port\) to 65535$/,
      });
    });
  }

  for (const bad of ['', '   ', 'abc', '::1:3000', 'host:', ':3000', 'host:port']) {
    test(`rejects ${JSON.stringify(bad)}`, () => {
      assert.throws(() => parseListenSpec(bad, CWD), (err: unknown) => {
        assert.ok(err instanceof BatonError);
        assert.equal(err.code, 'BATON_INVALID_OPTION');
        assert.equal(err.exitCode, EXIT_USAGE);
        assert.ok(err.message.startsWith(`invalid value ${JSON.stringify(bad)} for --listen: expected a port (3000)`), err.message);
        return true;
      });
    });
  }
});

describe('formatListener', () => {
  test('writes an IPv4 or named host as host:port', () => {
    assert.equal(formatListener({ kind: 'tcp', host: '127.0.0.1', port: 3000 }), '127.0.0.1:3000');
    assert.equal(formatListener({ kind: 'tcp', host: 'localhost', port: 80 }), 'localhost:80');
  });

  test('brackets an IPv6 host', () => {
    assert.equal(formatListener({ kind: 'tcp', host: '::1', port: 3000 }), '[::1]:3000');
    assert.equal(formatListener({ kind: 'tcp', host: '::', port: 3000 }), '[::]:3000');
  });

  test('writes a unix socket as its path', () => {
    assert.equal(formatListener({ kind: 'unix', path: '/tmp/app.sock' }), '/tmp/app.sock');
  });

  test('round-trips with parseListenSpec', () => {
    for (const text of ['127.0.0.1:3000', '[::1]:4000', '/tmp/app.sock']) {
      assert.equal(formatListener(parseListenSpec(text, CWD)), text);
    }
  });
});
