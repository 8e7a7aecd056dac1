// The benchmark's HTTP load. Like test/support/load.ts it never retries and counts every
// request that does not end in a 200 with a JSON body as a failure, by kind; unlike it,
// it keeps compact columns (when each request started, how long it took, which client
// kind and path, which pid answered) and the time of every failure, so a run can be cut
// afterwards into a timeline and into windows (during a reload, between upgrades).
// Every client loop stops at the request budget or the deadline, whichever comes first.
import http from 'node:http';
import { get } from './request.js';

export const CLIENT_KINDS = ['keepalive', 'sparse', 'fresh', 'upload'] as const;
export type ClientKind = (typeof CLIENT_KINDS)[number];

/** How many clients of each kind, and how often a client asks for /slow. */
export interface LoadMix {
  /** Keep-alive connections that send the next request as soon as the last one ends. */
  keepalive: number;
  /** Keep-alive connections that sit idle 20-400 ms between requests. */
  sparse: number;
  /** Clients that open a new connection for every request. */
  fresh: number;
  /** Keep-alive clients that POST a body of UPLOAD_BYTES to /upload, one after another. */
  upload?: number;
  /** Every n-th request of a client is /slow (about 200 ms); 0 for none. */
  slowEvery: number;
}

export interface LoadOptions {
  port: number;
  mix: LoadMix;
  maxDurationMs: number;
  maxRequests: number;
  /** A request slower than this fails as "timeout". */
  requestTimeoutMs?: number;
}

/** Per-request columns; times are on the performance.now() clock of this process. */
export interface LoadRecords {
  okStart: number[];
  okLatency: number[];
  /** kind index * 2 + (1 for /slow): see tagOf. */
  okTag: number[];
  okPid: number[];
  failAt: number[];
  failKind: string[];
  /** The first few failures in words, for the report. */
  examples: string[];
}

export interface RunningLoad {
  okCount(): number;
  /** Stops every client (each finishes its current request) and returns the records. */
  stop(): Promise<LoadRecords>;
}

/** What an upload client sends: 64 KB, as a form post or a small file would be. */
export const UPLOAD_BYTES = 64 * 1024;
const UPLOAD_BODY = Buffer.alloc(UPLOAD_BYTES, 'x');

/** The tag stored for a request of this client kind and path. */
export function tagOf(kind: ClientKind, slow: boolean): number {
  return CLIENT_KINDS.indexOf(kind) * 2 + (slow ? 1 : 0);
}

/** Starts the load at once. */
export function startLoad(options: LoadOptions): RunningLoad {
  const started = performance.now();
  const deadline = started + options.maxDurationMs;
  const timeoutMs = options.requestTimeoutMs ?? 10_000;
  const records: LoadRecords = { okStart: [], okLatency: [], okTag: [], okPid: [], failAt: [], failKind: [], examples: [] };
  let requests = 0;
  let stopped = false;

  const fail = (kind: string, detail: string) => {
    records.failAt.push(performance.now());
    records.failKind.push(kind);
    if (records.examples.length < 8) records.examples.push(`${kind}: ${detail}`);
  };

  const request = async (kind: ClientKind, agent: http.Agent | false, slow: boolean) => {
    const start = performance.now();
    const upload = kind === 'upload';
    const path = upload ? '/upload' : slow ? '/slow' : '/fast';
    const outcome = await get({ port: options.port, path, agent, timeoutMs, ...(upload ? { body: UPLOAD_BODY } : {}) });
    if (!outcome.ok) return fail(outcome.kind, `${kind} ${path}: ${outcome.detail}`);
    records.okStart.push(start);
    records.okLatency.push(performance.now() - start);
    records.okTag.push(tagOf(kind, slow));
    records.okPid.push(outcome.pid);
  };

  const client = async (kind: ClientKind, agent: http.Agent | false, pauseMs: () => number) => {
    for (let i = 1; !stopped && requests < options.maxRequests && performance.now() < deadline; i++) {
      requests++;
      await request(kind, agent, options.mix.slowEvery > 0 && i % options.mix.slowEvery === 0);
      const pause = pauseMs();
      if (pause > 0 && !stopped) await new Promise((r) => setTimeout(r, pause));
    }
  };

  const agents: http.Agent[] = [];
  const keptAlive = (): http.Agent => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    agents.push(agent);
    return agent;
  };
  const clients: Promise<void>[] = [];
  for (let i = 0; i < options.mix.keepalive; i++) clients.push(client('keepalive', keptAlive(), () => 0));
  for (let i = 0; i < options.mix.sparse; i++) clients.push(client('sparse', keptAlive(), () => 20 + Math.random() * 380));
  for (let i = 0; i < options.mix.fresh; i++) clients.push(client('fresh', false, () => 0));
  for (let i = 0; i < (options.mix.upload ?? 0); i++) clients.push(client('upload', keptAlive(), () => 0));

  const done = Promise.all(clients).then(() => {
    for (const agent of agents) agent.destroy();
    return records;
  });
  return {
    okCount: () => records.okStart.length,
    stop() {
      stopped = true;
      return done;
    },
  };
}
