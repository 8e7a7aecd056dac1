// Many keep-alive connections that stay open and mostly idle: each sends GET /fast every
// few seconds (under Node's 5 s server keep-alive timeout, so no server closes them for
// idleness) and otherwise waits. It watches each connection: one the server closes while
// it is idle, with no `Connection: close` announced, is a connection the client lost;
// one closed after a response that said `Connection: close` was ended cleanly.
// Every connection's loop stops at the deadline or its request budget.
import { setMaxListeners } from 'node:events';
import http from 'node:http';
import type { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { get } from './request.js';

export interface IdleOptions {
  port: number;
  connections: number;
  /** Connections are opened evenly over this long, not all at once. */
  rampMs: number;
  /** Each connection waits a random time in [min, max] ms between its requests. */
  intervalMs: readonly [number, number];
  maxDurationMs: number;
  requestTimeoutMs?: number;
}

export interface IdleReport {
  connections: number;
  /** Connections opened in all: the first of each, plus reconnections after a close. */
  opened: number;
  /** Connections whose first socket was still open when the run ended. */
  heldThroughout: number;
  /** Closed by the server after a response that said `Connection: close`. */
  closedCleanly: number;
  /** Closed by the server while idle, unannounced: lost under the client. */
  closedWhileIdle: number;
  /** For each connection, the pid that gave its last successful response. */
  lastPids: number[];
  requests: number;
  ok: number;
  failures: Record<string, number>;
  examples: string[];
  /** performance.now() times, for the timeline. */
  okAt: number[];
  failAt: number[];
  lostAt: number[];
}

interface Slot {
  agent: http.Agent;
  first?: Socket;
  current?: Socket;
  inFlight: boolean;
  saidClose: boolean;
  lastPid?: number;
}

export interface HeldConnections {
  /** Stops every connection's loop (each finishes its request), counts, then closes them. */
  stop(): Promise<IdleReport>;
}

/** Opens the connections (over rampMs) and keeps each one busy now and then. */
export function holdConnections(options: IdleOptions): HeldConnections {
  const started = performance.now();
  const deadline = started + options.maxDurationMs;
  const budget = Math.ceil(options.maxDurationMs / options.intervalMs[0]) + 1;
  const timeoutMs = options.requestTimeoutMs ?? 10_000;
  const report: IdleReport = {
    connections: options.connections, opened: 0, heldThroughout: 0, closedCleanly: 0, closedWhileIdle: 0,
    lastPids: [], requests: 0, ok: 0, failures: {}, examples: [], okAt: [], failAt: [], lostAt: [],
  };
  // ending: loops stop after their current request. closing: the client itself now
  // closes the sockets, so closes no longer say anything about the server.
  let ending = false;
  let closing = false;
  const wake = new AbortController();
  setMaxListeners(options.connections + 10, wake.signal); // one pause per connection waits on it
  const slots: Slot[] = [];

  const fail = (kind: string, detail: string) => {
    report.failures[kind] = (report.failures[kind] ?? 0) + 1;
    report.failAt.push(performance.now());
    if (report.examples.length < 8) report.examples.push(`${kind}: ${detail}`);
  };

  const onClose = (slot: Slot, socket: Socket) => {
    if (closing || slot.current !== socket) return;
    slot.current = undefined;
    if (slot.saidClose) report.closedCleanly++;
    else if (!slot.inFlight) {
      report.closedWhileIdle++;
      report.lostAt.push(performance.now());
    }
    // Closed under a request in flight: that request fails and is counted as such.
  };

  const track = (slot: Slot) => (socket: Socket) => {
    if (slot.current === socket) return;
    slot.current = socket;
    slot.first ??= socket;
    report.opened++;
    socket.once('close', () => onClose(slot, socket));
  };

  const request = async (slot: Slot) => {
    report.requests++;
    slot.inFlight = true;
    slot.saidClose = false;
    const outcome = await get({
      port: options.port,
      path: '/fast',
      agent: slot.agent,
      timeoutMs,
      onSocket: track(slot),
      onResponse: (res) => (slot.saidClose = res.headers.connection === 'close'),
    });
    slot.inFlight = false;
    if (!outcome.ok) return fail(outcome.kind, outcome.detail);
    slot.lastPid = outcome.pid;
    report.ok++;
    report.okAt.push(performance.now());
  };

  const pause = (ms: number) => sleep(ms, undefined, { signal: wake.signal }).catch(() => undefined);
  const loop = async (slot: Slot, offsetMs: number) => {
    await pause(offsetMs);
    const [min, max] = options.intervalMs;
    for (let n = 0; !ending && n < budget && performance.now() < deadline; n++) {
      await request(slot);
      await pause(min + Math.random() * (max - min));
    }
  };

  const loops: Promise<void>[] = [];
  for (let i = 0; i < options.connections; i++) {
    const slot: Slot = { agent: new http.Agent({ keepAlive: true, maxSockets: 1 }), inFlight: false, saidClose: false };
    slots.push(slot);
    loops.push(loop(slot, (i / options.connections) * options.rampMs));
  }

  return {
    async stop() {
      ending = true;
      wake.abort();
      await Promise.all(loops);
      // A slot held throughout still has its first socket, open.
      report.heldThroughout = slots.filter((s) => s.first !== undefined && s.current === s.first && !s.first.destroyed).length;
      report.lastPids = slots.flatMap((s) => (s.lastPid === undefined ? [] : [s.lastPid]));
      closing = true;
      for (const slot of slots) slot.agent.destroy();
      return report;
    },
  };
}
