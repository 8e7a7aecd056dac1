// A draining worker takes no new connections, lets in-flight requests finish, answers
// anything further with "Connection: close", and never closes an idle keep-alive
// connection under a client that may be sending on it: idle connections are handed,
// unread, to a live worker through the master instead (DESIGN.md, pitfalls). A
// connection taken over by an 'upgrade' handler (a WebSocket) is never idle and never
// moves: it is open until it closes, which the app's drain hook can ask for. HTTP/2
// sessions never move either: they get a GOAWAY (h2-drain.ts).
import http from 'node:http';
import net from 'node:net';
import { Http2Sessions, isHttp2Server } from './h2-drain.js';

interface Tracked {
  server: net.Server;
  key: string;
}

/** What the drainer needs from the outside world; injected so it can be tested alone. */
export interface DrainHost {
  /** Sends an idle connection's handle to the master; `done` runs once it is written. */
  handOff(key: string, handle: object, done: (sent: boolean) => void): void;
  /** Called once, when every connection is gone and every hand-off written. */
  drained(): void;
}

/** What the drainer counts, for the master's status. */
export interface ConnectionCounts {
  connections: number;
  upgraded: number;
  requests: number;
}

type SocketInternals = net.Socket & {
  _handle?: { readStop?: () => number; readStart?: () => number; writeQueueSize?: number; fd?: number } | null;
  _httpMessage?: http.ServerResponse | null;
};

const SWEEP_MS = 10;

/** Tracks an app's connections and drains them. */
export class Drainer {
  private readonly sockets = new Map<net.Socket, Tracked>();
  private readonly servers = new Map<net.Server, string>();
  /** HTTP/1 responses not finished yet, of http and https servers alike. */
  private readonly responses = new Set<http.ServerResponse>();
  private readonly http2 = new Http2Sessions(() => this.requests++);
  private readonly http2Servers = new WeakSet<net.Server>();
  private readonly helpers = new Set<net.Server>();
  /** Connections a hand-off could not move: they end at their next response instead. */
  private readonly kept = new WeakSet<net.Socket>();
  /** Connections taken over by an 'upgrade' handler: never idle, never moved. */
  private readonly upgraded = new WeakSet<net.Socket>();
  private upgradedOpen = 0;
  private peak = 0;
  private requests = 0;
  private draining = false;
  private handoff = false;
  private pendingHandOffs = 0;
  private sweepTimer: NodeJS.Timeout | undefined;
  private finished = false;

  constructor(private readonly host: DrainHost) {}

  get isDraining(): boolean {
    return this.draining;
  }

  /** Starts tracking an app server that accepts on listener `key`. */
  addServer(server: net.Server, key: string): void {
    if (this.servers.has(server)) return;
    this.servers.set(server, key);
    server.prependListener('connection', (socket: net.Socket) => this.addSocket(socket, server, key));
    if (isHttp2Server(server)) {
      this.http2Servers.add(server);
      this.http2.addServer(server);
      // A 'request' listener turns on node's compatibility layer for every stream, so
      // ours is added only once the app adds its own (HTTP/1 requests of allowHTTP1 come
      // that way too; HTTP/2 streams are counted as streams).
      const onNew = (event: string | symbol) => {
        if (event !== 'request') return;
        server.off('newListener', onNew);
        this.trackRequests(server);
      };
      if (server.listenerCount('request') > 0) this.trackRequests(server);
      else server.on('newListener', onNew);
      return;
    }
    this.trackRequests(server);
    server.prependListener('upgrade', (_req: unknown, socket: net.Socket) => this.markUpgraded(socket));
  }

  /** HTTP/1 requests (http, https, and allowHTTP1 on an HTTP/2 server) are counted, and end the connection once draining. */
  private trackRequests(server: net.Server): void {
    server.prependListener('request', (_req: unknown, res: unknown) => {
      if (!(res instanceof http.ServerResponse)) return;
      this.requests++;
      // During a drain every HTTP/1 response announces the close, and node closes the
      // connection right after it (res._last), so no client reuses it. That is how a TLS
      // connection, which cannot move, ends.
      if (this.draining) {
        res.shouldKeepAlive = false;
        return;
      }
      this.responses.add(res);
      // 'close' comes after 'finish', or when the connection went away first.
      res.once('close', () => this.responses.delete(res));
    });
  }

  /** Counts for the master: open connections, upgraded ones, requests so far. */
  counts(): ConnectionCounts {
    return { connections: this.sockets.size, upgraded: this.upgradedOpen, requests: this.requests };
  }

  /** The most connections open at once since the previous call (or since the start). */
  takePeak(): number {
    const peak = Math.max(this.peak, this.sockets.size);
    this.peak = this.sockets.size;
    return peak;
  }

  private markUpgraded(socket: net.Socket): void {
    if (this.upgraded.has(socket)) return;
    this.upgraded.add(socket);
    this.upgradedOpen++;
    socket.once('close', () => this.upgradedOpen--);
  }

  /** A server that only passes its connections on to an app server: closed on drain. */
  addHelper(server: net.Server): void {
    this.helpers.add(server);
  }

  /** Stops accepting and drains; `handoff` says whether a live worker can adopt idle connections. */
  drain(handoff: boolean): void {
    if (this.draining) {
      // A later drain can only take hand-off away (the master is stopping the cluster).
      this.handoff = this.handoff && handoff;
      return;
    }
    this.draining = true;
    this.handoff = handoff;
    for (const server of this.servers.keys()) {
      // net.Server#close, not http.Server#close: the latter also destroys idle
      // keep-alive connections, racing clients that are sending on them.
      if (server.listening) net.Server.prototype.close.call(server);
    }
    for (const helper of this.helpers) if (helper.listening) helper.close();
    // Responses already under way whose headers are not out yet say Connection: close too.
    for (const res of this.responses) if (!res.headersSent) res.shouldKeepAlive = false;
    this.responses.clear();
    this.http2.drain();
    this.sweep();
    if (!this.finished) {
      this.sweepTimer = setInterval(() => this.sweep(), SWEEP_MS);
    }
  }

  private addSocket(socket: net.Socket, server: net.Server, key: string): void {
    this.sockets.set(socket, { server, key });
    if (this.sockets.size > this.peak) this.peak = this.sockets.size;
    socket.once('close', () => {
      this.sockets.delete(socket);
      if (this.draining) this.checkDone();
    });
  }

  private sweep(): void {
    const idleByServer = new Map<net.Server, Set<unknown>>();
    for (const [socket, { server, key }] of this.sockets) {
      // Only HTTP/1 connections can be idle; an HTTP/2 session ends by GOAWAY instead.
      if (!(server instanceof http.Server) && !isTlsServer(server)) continue;
      if (this.http2Servers.has(server)) continue;
      let idle = idleByServer.get(server);
      if (!idle) idleByServer.set(server, (idle = idleSockets(server)));
      if (this.kept.has(socket) || this.upgraded.has(socket) || !isIdle(socket as SocketInternals, idle)) continue;
      if (!this.handoff) socket.destroy();
      else if (canHandOff(socket)) this.handOff(socket as SocketInternals, server, key);
      // else (TLS): it ends at its next response, which says Connection: close.
    }
    this.checkDone();
  }

  private handOff(socket: SocketInternals, server: net.Server, key: string): void {
    const handle = socket._handle!;
    // Stop reading first: from here on, any bytes the client sends stay in the kernel
    // and travel with the socket to the worker that adopts it.
    handle.readStop?.();
    socket.setTimeout(0);
    this.sockets.delete(socket);
    this.pendingHandOffs++;
    this.host.handOff(key, handle, (sent) => {
      this.pendingHandOffs--;
      if (sent) {
        // Our copy of the fd is closed only after the message carrying it is written.
        // Closing one copy of a socket sends nothing to the client.
        socket.destroy();
      } else if (!socket.destroyed) {
        // Nobody took it: serve it here after all; it ends at its next response.
        this.kept.add(socket);
        this.addSocket(socket, server, key);
        handle.readStart?.();
      }
      this.checkDone();
    });
  }

  private checkDone(): void {
    if (this.finished || !this.draining) return;
    if (this.sockets.size > 0 || this.pendingHandOffs > 0) return;
    this.finished = true;
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.host.drained();
  }
}

/** The sockets whose HTTP parser sits between two messages (no partial request read). */
function idleSockets(server: net.Server): Set<unknown> {
  const symbol = Object.getOwnPropertySymbols(server).find((s) => s.description === 'http.server.connections');
  const list = symbol ? (server as unknown as Record<symbol, { idle?: () => Array<{ socket?: unknown }> }>)[symbol] : undefined;
  const result = new Set<unknown>();
  if (list && typeof list.idle === 'function') {
    for (const parser of list.idle()) if (parser.socket) result.add(parser.socket);
  }
  return result;
}

/**
 * Idle means: no response in progress, everything written has left, and either the
 * parser holds no partial request or nothing at all has been read from the socket.
 */
function isIdle(socket: SocketInternals, parserIdle: Set<unknown>): boolean {
  // A connection already closing (its last response said Connection: close) is not idle.
  if (socket.destroyed || !socket._handle || socket.writableEnded || !socket.writable) return false;
  if (socket._httpMessage) return false;
  if (socket.writableLength > 0 || (socket._handle.writeQueueSize ?? 0) > 0) return false;
  return socket.bytesRead === 0 || parserIdle.has(socket);
}

/** Only plain TCP or unix connections can move: TLS state lives in this process. */
function canHandOff(socket: net.Socket): boolean {
  // tlsSocket.encrypted is always true, and no other socket has it: told without loading
  // node:tls (and crypto) into every worker, which costs each start some milliseconds.
  return (socket as { encrypted?: unknown }).encrypted !== true && typeof (socket as SocketInternals)._handle?.readStop === 'function';
}

/** A tls.Server (https.Server is one): the class with setSecureContext(), told without loading node:tls. */
function isTlsServer(server: net.Server): boolean {
  return typeof (server as { setSecureContext?: unknown }).setSecureContext === 'function';
}
