// Server-sent-events clients for tests, as EventSource behaves: GET /events on a keep-alive
// connection, read `data:` events, and when the stream ends, wait the server's `retry:` and
// ask again. Every stream is recorded (who served it, when it opened and ended, how many
// events, whether it ended cleanly or was cut); a request that fails or is not a 200 is a
// failure. Bounded by a deadline; stop() drops every stream.
import http from 'node:http';

export interface SseOptions {
  port: number;
  clients: number;
  maxDurationMs: number;
}

export interface SseStream {
  client: number;
  generation: string | undefined;
  pid: number | undefined;
  openedAt: number;
  endedAt: number;
  events: number;
  /** When its last event arrived (NaN without events). */
  lastEventAt: number;
  /** 'end': the server ended it; 'cut': the connection went away mid-stream. */
  how: 'end' | 'cut';
}

export interface SseReport {
  streams: SseStream[];
  failures: string[];
}

export interface SseClients {
  now(): number;
  /** The generation each client's open stream comes from (undefined between streams). */
  current(): Array<string | undefined>;
  report: SseReport;
  stop(): SseReport;
}

export function startSseClients(options: SseOptions): SseClients {
  const startedAt = performance.now();
  const now = () => performance.now() - startedAt;
  const report: SseReport = { streams: [], failures: [] };
  const current: Array<string | undefined> = new Array(options.clients).fill(undefined);
  const requests = new Set<http.ClientRequest>();
  const agents: http.Agent[] = [];
  let stopped = false;

  const open = (client: number, agent: http.Agent) => {
    if (stopped || now() > options.maxDurationMs) return;
    const stream: SseStream = { client, generation: undefined, pid: undefined, openedAt: now(), endedAt: NaN, events: 0, lastEventAt: NaN, how: 'end' };
    let retryMs = 1000;
    let done = false;
    const finish = (how: 'end' | 'cut' | 'failed', detail = '') => {
      if (done) return;
      done = true;
      requests.delete(req);
      current[client] = undefined;
      if (stopped) return;
      if (how === 'failed') {
        report.failures.push(`${now().toFixed(0)}ms client ${client}: ${detail}`);
      } else {
        stream.how = how;
        stream.endedAt = now();
        report.streams.push(stream);
      }
      setTimeout(() => open(client, agent), retryMs);
    };
    const req = http.get({ host: '127.0.0.1', port: options.port, path: '/events', agent }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        return finish('failed', `status ${res.statusCode}`);
      }
      let buffered = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffered += chunk;
        let cut: number;
        while ((cut = buffered.indexOf('\n\n')) >= 0) {
          const event = buffered.slice(0, cut);
          buffered = buffered.slice(cut + 2);
          for (const line of event.split('\n')) {
            if (line.startsWith('retry: ')) retryMs = Number(line.slice(7));
            if (!line.startsWith('data: ')) continue;
            const data = JSON.parse(line.slice(6)) as { pid: number; generation: string };
            stream.generation = data.generation;
            stream.pid = data.pid;
            stream.events++;
            stream.lastEventAt = now();
            current[client] = data.generation;
          }
        }
      });
      res.on('end', () => finish('end'));
      res.on('aborted', () => finish('cut'));
      res.on('error', () => finish('cut'));
    });
    requests.add(req);
    req.on('error', (err: NodeJS.ErrnoException) => finish(stream.events > 0 ? 'cut' : 'failed', err.code ?? err.message));
  };

  for (let i = 0; i < options.clients; i++) {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    agents.push(agent);
    open(i, agent);
  }
  return {
    now,
    current: () => [...current],
    report,
    stop() {
      stopped = true;
      for (const req of requests) req.destroy();
      for (const agent of agents) agent.destroy();
      return report;
    },
  };
}

/** Streams by generation and how they ended, and failures, for test output. */
export function describeSse(report: SseReport): string {
  const kinds: Record<string, number> = {};
  for (const s of report.streams) kinds[`gen ${s.generation ?? 'none'} ${s.how}`] = (kinds[`gen ${s.generation ?? 'none'} ${s.how}`] ?? 0) + 1;
  return [`streams ${report.streams.length} ${JSON.stringify(kinds)}, failures ${report.failures.length}`, ...report.failures.slice(0, 10).map((f) => `  ${f}`)].join('\n');
}
