// An HTTP/2 session never moves to another worker (its HPACK tables, stream ids and
// flow-control windows live in this process): a draining worker sends each session a
// GOAWAY, lets the streams it has taken finish, and the session then closes itself.
// Sessions are seen through the server's 'session' event, streams counted on 'stream'
// (whether the app uses the stream API or the request/response one).
//
// Why one step, session.close(), and not the two-step shutdown nghttp2 documents
// (a GOAWAY with last stream id 2^31-1 as a notice, a PING round trip, then the final
// GOAWAY): node's session.goaway() calls nghttp2_submit_goaway, never
// nghttp2_submit_shutdown_notice, so nghttp2 takes even the notice as a real GOAWAY and
// from the moment it is sent silently ignores every new stream the client opens. The
// streams that race the notice are then refused only by the final GOAWAY, one round
// trip later; and a session with no open stream stops reading altogether once the notice
// is out (nghttp2_session_want_read() turns 0 and node stops reading the socket), so the
// PING's answer is never read and the session hangs until the drain deadline. Checked on
// Node 20 (lib/internal/http2/core.js, src/node_http2.cc, deps/nghttp2).
//
// What session.close() costs: one GOAWAY frame (17 bytes) per session and no round trip;
// it carries the id of the last stream this worker took, so streams the client sent
// after that moment (at most one one-way trip's worth) are refused at once with
// REFUSED_STREAM, which HTTP/2 defines as "not processed, safe to send again" (RFC 9113
// section 8.7). No stream the worker took is ever cut off before the drain deadline.
import type http2 from 'node:http2';
import type net from 'node:net';

/** node's names for the classes of http2.createServer() and http2.createSecureServer(). */
const HTTP2_SERVER_CLASSES = new Set(['Http2Server', 'Http2SecureServer']);

/**
 * True for a server made by http2.createServer() or http2.createSecureServer(). Told by
 * the class names in its prototype chain and the updateSettings() method both classes
 * have: comparing with prototypes of servers made for the purpose would cost every
 * worker a TLS context (about 50 ms of CPU at each start) and the load of node:http2.
 */
export function isHttp2Server(server: net.Server): boolean {
  if (typeof (server as { updateSettings?: unknown }).updateSettings !== 'function') return false;
  for (let proto: unknown = Object.getPrototypeOf(server); proto !== null && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
    const name = (proto as { constructor?: { name?: unknown } }).constructor?.name;
    if (typeof name === 'string' && HTTP2_SERVER_CLASSES.has(name)) return true;
  }
  return false;
}

/** The HTTP/2 sessions of a worker's servers: counted, and closed with GOAWAY on drain. */
export class Http2Sessions {
  private readonly sessions = new Set<http2.ServerHttp2Session>();
  private draining = false;

  /** `onStream` runs once for every stream a client opens. */
  constructor(private readonly onStream: () => void) {}

  /** Starts tracking the sessions and streams of an HTTP/2 server. */
  addServer(server: net.Server): void {
    server.prependListener('session', (session: http2.ServerHttp2Session) => this.addSession(session));
    server.prependListener('stream', () => this.onStream());
  }

  /** Open sessions, for tests and counts. */
  get size(): number {
    return this.sessions.size;
  }

  /** Sends every open session (and any that opens from now on) a GOAWAY. */
  drain(): void {
    this.draining = true;
    for (const session of this.sessions) closeSession(session);
  }

  private addSession(session: http2.ServerHttp2Session): void {
    this.sessions.add(session);
    session.once('close', () => this.sessions.delete(session));
    // A connection accepted just before the listener closed.
    if (this.draining) closeSession(session);
  }
}

function closeSession(session: http2.ServerHttp2Session): void {
  if (session.closed || session.destroyed) return;
  // GOAWAY with the last stream id taken; open streams finish, then node ends the
  // socket and waits for the client to close its side.
  session.close();
}
