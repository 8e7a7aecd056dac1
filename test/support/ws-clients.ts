// WebSocket clients (npm ws) for tests: each connects, is greeted with the pid and
// generation that serves it, sends a message every `sendEveryMs`, and when the server
// closes it connects again at once (what close code 1012, service restart, asks for).
// Every close is recorded with its code; a connection that fails to open is a failure.
// Bounded by a deadline; stop() closes every client from its side.
import WebSocket from 'ws';

export interface WsClientsOptions {
  url: string;
  clients: number;
  sendEveryMs: number;
  maxDurationMs: number;
}

export interface WsClose {
  client: number;
  code: number;
  /** The generation and pid that served the connection that closed. */
  generation: string | undefined;
  pid: number | undefined;
  /** When it closed, and when it opened, on the now() clock. */
  at: number;
  openedAt: number;
}

export interface WsReport {
  connects: number;
  sent: number;
  echoed: number;
  /** Closes the server began (every close but those of stop()). */
  closes: WsClose[];
  /** Connections that failed to open, or errors on open ones. */
  failures: string[];
}

export interface WsClients {
  now(): number;
  /** The generation each client is connected to now (undefined while it reconnects). */
  current(): Array<string | undefined>;
  report: WsReport;
  stop(): Promise<WsReport>;
}

/** Starts the clients; they run until stop() or the deadline. */
export function startWsClients(options: WsClientsOptions): WsClients {
  const startedAt = performance.now();
  const now = () => performance.now() - startedAt;
  const report: WsReport = { connects: 0, sent: 0, echoed: 0, closes: [], failures: [] };
  const current: Array<string | undefined> = new Array(options.clients).fill(undefined);
  const sockets = new Set<WebSocket>();
  let stopped = false;

  const connect = (client: number) => {
    if (stopped || now() > options.maxDurationMs) return;
    const ws = new WebSocket(options.url);
    sockets.add(ws);
    report.connects++;
    const openedAt = now();
    let served: { generation?: string; pid?: number } = {};
    let opened = false;
    let closingByUs = false;
    const timer = setInterval(() => {
      if (ws.readyState !== WebSocket.OPEN) return;
      if (now() > options.maxDurationMs) {
        closingByUs = true;
        ws.close(1000);
        return;
      }
      report.sent++;
      ws.send(`message ${report.sent}`);
    }, options.sendEveryMs);
    ws.on('open', () => (opened = true));
    ws.on('message', (data: Buffer) => {
      const text = data.toString();
      if (text.startsWith('{')) {
        served = (JSON.parse(text) as { hello: typeof served }).hello;
        current[client] = served.generation;
      } else report.echoed++;
    });
    ws.on('error', (err: Error) => !stopped && report.failures.push(`${now().toFixed(0)}ms client ${client} ${opened ? 'error' : 'could not connect'}: ${err.message}`));
    ws.on('close', (code: number) => {
      clearInterval(timer);
      sockets.delete(ws);
      current[client] = undefined;
      if (stopped || closingByUs) return;
      report.closes.push({ client, code, generation: served.generation, pid: served.pid, at: now(), openedAt });
      connect(client);
    });
  };
  for (let i = 0; i < options.clients; i++) connect(i);

  return {
    now,
    current: () => [...current],
    report,
    async stop() {
      stopped = true;
      await Promise.all(
        [...sockets].map(
          (ws) =>
            new Promise<void>((resolve) => {
              if (ws.readyState === WebSocket.CLOSED) return resolve();
              ws.once('close', () => resolve());
              if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
              else ws.close(1000);
              // A server gone quiet does not hold the test: its socket is dropped.
              setTimeout(() => ws.terminate(), 2_000).unref();
            }),
        ),
      );
      return report;
    },
  };
}

/** Close codes and counts, for test output. */
export function describeWs(report: WsReport): string {
  const codes: Record<string, number> = {};
  for (const c of report.closes) codes[c.code] = (codes[c.code] ?? 0) + 1;
  return [
    `connects ${report.connects}, sent ${report.sent}, echoed ${report.echoed}, closes by code ${JSON.stringify(codes)}, failures ${report.failures.length}`,
    ...report.failures.slice(0, 10).map((f) => `  ${f}`),
  ].join('\n');
}
