// An HTTP load client for tests and benchmarks. It never retries: every request that
// does not end in a 200 with a well-formed body is counted as a failure, by kind.
// Every loop is bounded by a request count and a deadline and stops by itself.
import http from 'node:http';
import https from 'node:https';

export type Target = { host: string; port: number } | { socketPath: string };

export interface LoadOptions {
  target: Target;
  /** Keep-alive connections that send the next request as soon as the last one ends. */
  keepAlive?: number;
  /** Keep-alive connections that sit idle 20-400 ms between requests. */
  sparse?: number;
  /** Clients that open a new connection for every request. */
  fresh?: number;
  /** Every n-th request of a client asks for /slow (about 200 ms). */
  slowEvery?: number;
  /** Bounds: the load stops at whichever comes first. */
  maxRequests?: number;
  maxDurationMs?: number;
  /** A request that takes longer than this counts as a failure ("timeout"). */
  requestTimeoutMs?: number;
  /** Speak https, trusting this CA certificate (a test's self-signed one). */
  ca?: Buffer;
}

export interface Sample {
  /** When the request was sent and when its response ended (ms since load start). */
  start: number;
  end: number;
  status: number;
  generation: string | undefined;
  pid: number | undefined;
  /** process.version of the worker that answered, when the app reports it. */
  node: string | undefined;
  client: string;
  path: string;
}

export interface LoadReport {
  requests: number;
  ok: number;
  failed: number;
  /** Failures by kind: error codes (ECONNRESET, ...), "status 503", "timeout", "bad body". */
  failures: Record<string, number>;
  durationMs: number;
  samples: Sample[];
  /** The first few failures with details, for test output. */
  examples: string[];
}

export interface Load {
  readonly startedAt: number;
  /** Milliseconds since the load started (the clock samples use). */
  now(): number;
  /** A live count of successful responses, for waiting until traffic flows. */
  okCount(): number;
  /** Successful responses to requests sent after `ms` (on the now() clock), optionally only those matching. */
  okSince(ms: number, match?: (sample: Sample) => boolean): number;
  /** The successful responses so far to requests sent after `ms`, while the load runs on. */
  samplesSince(ms: number): Sample[];
  /** Stops every client (each finishes its current request) and returns the report. */
  stop(): Promise<LoadReport>;
  /** Resolves with the report when the load reaches its bounds by itself. */
  finished: Promise<LoadReport>;
}

/** Starts the load; call stop() to end it early, or it ends at its bounds. */
export function startLoad(options: LoadOptions): Load {
  const startedAt = performance.now();
  const now = () => performance.now() - startedAt;
  const maxRequests = options.maxRequests ?? 200_000;
  const deadline = options.maxDurationMs ?? 60_000;
  const slowEvery = options.slowEvery ?? 10;
  const timeoutMs = options.requestTimeoutMs ?? 10_000;
  const report: LoadReport = { requests: 0, ok: 0, failed: 0, failures: {}, durationMs: 0, samples: [], examples: [] };
  let stopped = false;
  const agents: http.Agent[] = [];
  const tls = options.ca === undefined ? undefined : { ca: options.ca };
  const request = tls ? https.request : http.request;
  const newAgent = (): http.Agent => (tls ? new https.Agent({ keepAlive: true, maxSockets: 1, ...tls }) : new http.Agent({ keepAlive: true, maxSockets: 1 }));

  const fail = (kind: string, detail: string) => {
    report.failed++;
    report.failures[kind] = (report.failures[kind] ?? 0) + 1;
    if (report.examples.length < 10) report.examples.push(`${now().toFixed(0)}ms ${kind}: ${detail}`);
  };

  const one = (client: string, agent: http.Agent | false, path: string): Promise<void> =>
    new Promise((resolve) => {
      const start = now();
      report.requests++;
      let done = false;
      const finish = (fn: () => void) => {
        if (done) return;
        done = true;
        fn();
        resolve();
      };
      const target = 'socketPath' in options.target ? { socketPath: options.target.socketPath } : { host: options.target.host, port: options.target.port };
      const req = request({ ...target, ...tls, path, agent, headers: agent === false ? { connection: 'close' } : {} }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (err: NodeJS.ErrnoException) => finish(() => fail(err.code ?? err.message, `${client} ${path} response: ${err.message}`)));
        res.on('end', () =>
          finish(() => {
            const body = Buffer.concat(chunks).toString();
            if (res.statusCode !== 200) {
              fail(`status ${res.statusCode}`, `${client} ${path}: ${body.slice(0, 200)}`);
              return;
            }
            let parsed: { generation?: string; pid?: number; node?: string };
            try {
              parsed = JSON.parse(body) as typeof parsed;
            } catch {
              fail('bad body', `${client} ${path}: ${body.slice(0, 200)}`);
              return;
            }
            report.ok++;
            report.samples.push({ start, end: now(), status: 200, generation: parsed.generation, pid: parsed.pid, node: parsed.node, client, path });
          }),
        );
      });
      req.setTimeout(timeoutMs, () => {
        finish(() => fail('timeout', `${client} ${path}: no response within ${timeoutMs}ms`));
        req.destroy();
      });
      req.on('error', (err: NodeJS.ErrnoException) => finish(() => fail(err.code ?? err.message, `${client} ${path}: ${err.message}`)));
      req.end();
    });

  const loop = async (client: string, agent: http.Agent | false, pauseMs: () => number) => {
    for (let i = 1; !stopped && report.requests < maxRequests && now() < deadline; i++) {
      await one(client, agent, i % slowEvery === 0 ? '/slow' : '/fast');
      const pause = pauseMs();
      if (pause > 0) await new Promise((r) => setTimeout(r, pause));
    }
  };

  const loops: Promise<void>[] = [];
  for (let i = 0; i < (options.keepAlive ?? 0); i++) {
    const agent = newAgent();
    agents.push(agent);
    loops.push(loop(`keepalive-${i}`, agent, () => 0));
  }
  for (let i = 0; i < (options.sparse ?? 0); i++) {
    const agent = newAgent();
    agents.push(agent);
    loops.push(loop(`sparse-${i}`, agent, () => 20 + Math.random() * 380));
  }
  for (let i = 0; i < (options.fresh ?? 0); i++) loops.push(loop(`fresh-${i}`, false, () => 0));

  const all = Promise.all(loops).then(() => {
    report.durationMs = now();
    for (const agent of agents) agent.destroy();
    return report;
  });
  return {
    startedAt,
    now,
    okCount: () => report.ok,
    okSince: (ms: number, match?: (sample: Sample) => boolean) =>
      report.samples.reduce((n, s) => (s.start > ms && (!match || match(s)) ? n + 1 : n), 0),
    samplesSince: (ms: number) => report.samples.filter((s) => s.start > ms),
    finished: all,
    stop() {
      stopped = true;
      return all;
    },
  };
}

/** Percentile (0-100) of a list of numbers; NaN when empty. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

/** A one-paragraph summary of a load run, printed by failing tests. */
export function describeLoad(report: LoadReport): string {
  const gens: Record<string, number> = {};
  for (const s of report.samples) gens[s.generation ?? '?'] = (gens[s.generation ?? '?'] ?? 0) + 1;
  return [
    `requests ${report.requests}, ok ${report.ok}, failed ${report.failed} in ${report.durationMs.toFixed(0)}ms`,
    `failures by kind: ${JSON.stringify(report.failures)}`,
    `responses by generation: ${JSON.stringify(gens)}`,
    ...report.examples.map((e) => `  ${e}`),
  ].join('\n');
}
