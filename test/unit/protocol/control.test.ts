// The control protocol: request parsing and its errors, reply encoding.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CONTROL_PROTOCOL_VERSION, encodeReply, parseRequest, requestIdOf } from '../../../src/protocol/control.js';
import { BatonError, EXIT_USAGE } from '../../../src/errors.js';

/** Asserts that parsing `line` fails with a bad-request error whose message matches. */
function assertBadRequest(line: string, message: RegExp): void {
  assert.throws(() => parseRequest(line), (err: unknown) => {
    assert.ok(err instanceof BatonError);
    assert.equal(err.code, 'BATON_BAD_REQUEST');
    assert.equal(err.exitCode, EXIT_USAGE);
    assert.match(err.message, message);
    return true;
  });
}

describe('parseRequest', () => {
  test('speaks version 1', () => {
    assert.equal(CONTROL_PROTOCOL_VERSION, 1);
  });

  test('parses each command', () => {
    for (const cmd of ['status', 'reload', 'stop', 'logs', 'reopen-logs']) {
      assert.deepEqual(parseRequest(JSON.stringify({ v: 1, id: 3, cmd })), { v: 1, id: 3, cmd });
    }
  });

  test('keeps object args', () => {
    assert.deepEqual(parseRequest('{"v":1,"id":9,"cmd":"reload","args":{"batch":"25%"}}'), {
      v: 1,
      id: 9,
      cmd: 'reload',
      args: { batch: '25%' },
    });
  });

  test('rejects a line that is not JSON', () => {
    assertBadRequest('status', /^request is not valid JSON; send one JSON object per line/);
    assertBadRequest('{"v":1,', /not valid JSON/);
  });

  for (const line of ['[1,2]', 'null', '"status"', '42']) {
    test(`rejects the non-object ${line}`, () => {
      assertBadRequest(line, /^request must be a JSON object$/);
    });
  }

  test('rejects another protocol version, naming both', () => {
    assertBadRequest('{"v":2,"id":1,"cmd":"status"}', /^unsupported protocol version 2; this master speaks version 1$/);
    assertBadRequest('{"v":"1","id":1,"cmd":"status"}', /^unsupported protocol version "1";/);
    assertBadRequest('{"id":1,"cmd":"status"}', /^unsupported protocol version /);
  });

  for (const id of ['1.5', '"1"', 'null']) {
    test(`rejects the id ${id}`, () => {
      assertBadRequest(`{"v":1,"id":${id},"cmd":"status"}`, /^"id" must be an integer$/);
    });
  }

  test('rejects a missing id', () => {
    assertBadRequest('{"v":1,"cmd":"status"}', /^"id" must be an integer$/);
  });

  test('rejects an unknown command, listing the known ones', () => {
    assertBadRequest('{"v":1,"id":1,"cmd":"restart"}', /^unknown command "restart"; expected one of status, reload, upgrade, stop, logs, reopen-logs$/);
    assertBadRequest('{"v":1,"id":1,"cmd":7}', /^unknown command 7;/);
  });

  for (const args of ['[]', 'null', '"x"', '3']) {
    test(`rejects args ${args}`, () => {
      assertBadRequest(`{"v":1,"id":1,"cmd":"reload","args":${args}}`, /^"args" must be an object$/);
    });
  }
});

describe('requestIdOf', () => {
  test('reads the id of a request that failed validation', () => {
    assert.equal(requestIdOf('{"v":2,"id":7,"cmd":"status"}'), 7);
  });

  test('is null when there is no usable id', () => {
    assert.equal(requestIdOf('not json'), null);
    assert.equal(requestIdOf('{"id":"7"}'), null);
    assert.equal(requestIdOf('{"cmd":"status"}'), null);
    assert.equal(requestIdOf('null'), null);
  });
});

describe('encodeReply', () => {
  test('writes a success reply as one JSON line', () => {
    const line = encodeReply({ v: 1, id: 4, ok: true, result: { pid: 10 } });
    assert.equal(line, '{"v":1,"id":4,"ok":true,"result":{"pid":10}}\n');
  });

  test('writes an error reply as one line, even with newlines in the message', () => {
    const reply = { v: 1, id: null, ok: false as const, error: { code: 'BATON_BUSY', message: 'line one\nline two' } };
    const line = encodeReply(reply);
    assert.ok(line.endsWith('\n'));
    assert.equal(line.indexOf('\n'), line.length - 1);
    assert.deepEqual(JSON.parse(line), reply);
  });
});
