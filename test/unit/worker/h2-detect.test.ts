// Which servers the drainer treats as HTTP/2 (GOAWAY, never handed off): exactly those
// node's http2 module makes, plain or secure, subclassed or not; never http, https, net
// or tls servers, nor a look-alike that only borrows a name.
import assert from 'node:assert/strict';
import http from 'node:http';
import http2 from 'node:http2';
import https from 'node:https';
import net from 'node:net';
import { test } from 'node:test';
import tls from 'node:tls';
import { isHttp2Server } from '../../../src/worker/h2-drain.js';

test('HTTP/2 servers, cleartext and secure, are told from every other kind', () => {
  assert.equal(isHttp2Server(http2.createServer()), true);
  assert.equal(isHttp2Server(http2.createSecureServer({ allowHTTP1: true })), true);
  assert.equal(isHttp2Server(http.createServer()), false);
  assert.equal(isHttp2Server(https.createServer()), false);
  assert.equal(isHttp2Server(net.createServer()), false);
  assert.equal(isHttp2Server(tls.createServer()), false);
});

test('a subclass of an HTTP/2 server is one; a server that only borrows the name is not', () => {
  const base = Object.getPrototypeOf(http2.createServer()).constructor as new () => net.Server;
  class Mine extends base {}
  assert.equal(isHttp2Server(new Mine()), true);
  class Http2Server extends net.Server {}
  assert.equal(isHttp2Server(new Http2Server()), false, 'a name without updateSettings() is not enough');
});
