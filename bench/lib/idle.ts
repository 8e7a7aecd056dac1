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
import { pidOf } from './load.js';

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
}

export interface HeldConnections {
  opened(): number;
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
    requests: 0, ok: 0, failures: {}, examples: [], okAt: [], failAt: [], lostAt: [],
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

  const request = (slot: Slot): Promise<void> =>
    new Promise((resolve) => {
      report.requests++;
      slot.inFlight = true;
      slot.saidClose = false;
      let settled = false;
      const settle = (outcome: () => void) => {
        if (settled) return;
        settled = true;
        slot.inFlight = false;
        outcome();
        resolve();
      };
      const req = http.request({ host: '127.0.0.1', port: options.port, path: '/fast', agent: slot.agent }, (res) => {
        slot.saidClose = res.headers.connection === 'close';
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('error', (err: NodeJS.ErrnoException) => settle(() => fail(err.code ?? err.message, `response: ${err.message}`)));
        res.on('end', () =>
          settle(() => {
            if (res.statusCode !== 200 || pidOf(body) === undefined) fail(`status ${res.statusCode}`, body.slice(0, 120));
            else {
              report.ok++;
              report.okAt.push(performance.now());
            }
          }),
        );
      });
      req.on('socket', (socket: Socket) => {
        if (slot.current === socket) return;
        slot.current = socket;
        slot.first ??= socket;
        report.opened++;
        socket.once('close', () => onClose(slot, socket));
      });
      req.setTimeout(timeoutMs, () => {
        settle(() => fail('timeout', `no response within ${timeoutMs}ms`));
        req.destroy();
      });
      req.on('error', (err: NodeJS.ErrnoException) => settle(() => fail(err.code ?? err.message, err.message)));
      req.end();
    });

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
    opened: () => report.opened,
    async stop() {
      ending = true;
      wake.abort();
      await Promise.all(loops);
      // A slot held throughout still has its first socket, open.
      report.heldThroughout = slots.filter((s) => s.first !== undefined && s.current === s.first && !s.first.destroyed).length;
      closing = true;
      for (const slot of slots) slot.agent.destroy();
      return report;
    },
  };
}
