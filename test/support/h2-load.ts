// An HTTP/2 load client (node:http2) for tests. Several sessions, each with a number of
// stream loops that send the next stream as soon as the last one ends. A session that got
// a GOAWAY takes no new stream: the loop's next stream goes on a new session, as the
// protocol says. Nothing is ever sent twice: every stream that does not end in a 200 with
// a well-formed body counts, by kind. A stream refused by a GOAWAY (REFUSED_STREAM, an id
// above the GOAWAY's last stream id) is counted apart, with its x-request-id, so a test can
// check the server never received it. Bounded by a stream count and a deadline.
import http2 from 'node:http2';

const { NGHTTP2_REFUSED_STREAM } = http2.constants;

export interface H2LoadOptions {
  /** http://127.0.0.1:port or https://127.0.0.1:port */
  url: string;
  /** Trust this CA certificate (https). */
  ca?: Buffer;
  sessions: number;
  /** Stream loops per session. */
  streams: number;
  /** Every n-th stream of a loop asks for /slow (about 200 ms). */
  slowEvery?: number;
  maxStreams?: number;
  maxDurationMs?: number;
  /** A stream that takes longer than this counts as a failure ("timeout"). */
  streamTimeoutMs?: number;
}

export interface H2Sample {
  start: number;
  end: number;
  generation: string | undefined;
  pid: number | undefined;
}

export interface H2LoadReport {
  streams: number;
  ok: number;
  /** Streams that failed in any way but a refusal by GOAWAY. */
  failed: number;
  failures: Record<string, number>;
  /** Streams refused by a GOAWAY: never processed, by the protocol (RFC 9113 section 8.7). */
  refused: number;
  refusedIds: string[];
  sessionsOpened: number;
  goaways: number;
  durationMs: number;
  samples: H2Sample[];
  examples: string[];
}

export interface H2Load {
  now(): number;
  okCount(): number;
  okSince(ms: number): number;
  stop(): Promise<H2LoadReport>;
}

/** Starts the load; stop() ends it (each loop finishes its stream) and returns the report. */
export function startH2Load(options: H2LoadOptions): H2Load {
  const startedAt = performance.now();
  const now = () => performance.now() - startedAt;
  const maxStreams = options.maxStreams ?? 500_000;
  const deadline = options.maxDurationMs ?? 60_000;
  const slowEvery = options.slowEvery ?? 10;
  const timeoutMs = options.streamTimeoutMs ?? 10_000;
  const report: H2LoadReport = { streams: 0, ok: 0, failed: 0, failures: {}, refused: 0, refusedIds: [], sessionsOpened: 0, goaways: 0, durationMs: 0, samples: [], examples: [] };
  const open = new Set<http2.ClientHttp2Session>();
  let stopped = false;
  let nextId = 0;

  const fail = (kind: string, detail: string) => {
    report.failed++;
    report.failures[kind] = (report.failures[kind] ?? 0) + 1;
    if (report.examples.length < 10) report.examples.push(`${now().toFixed(0)}ms ${kind}: ${detail}`);
  };

  const connect = (slot: number): http2.ClientHttp2Session => {
    const session = http2.connect(options.url, options.ca ? { ca: options.ca } : {});
    report.sessionsOpened++;
    open.add(session);
    session.on('goaway', () => report.goaways++);
    // A session error also fails its streams, which count it; this only keeps it visible.
    session.on('error', (err: NodeJS.ErrnoException) => {
      if (report.examples.length < 10) report.examples.push(`${now().toFixed(0)}ms session ${slot} error: ${err.code ?? err.message}`);
    });
    session.on('close', () => open.delete(session));
    return session;
  };

  const one = (session: http2.ClientHttp2Session, slot: number, path: string): Promise<void> =>
    new Promise((resolve) => {
      const start = now();
      const id = `${slot}-${nextId++}`;
      report.streams++;
      let done = false;
      let timer: NodeJS.Timeout | undefined;
      const finish = (fn: () => void) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        fn();
        resolve();
      };
      let stream: http2.ClientHttp2Stream;
      try {
        stream = session.request({ ':path': path, 'x-request-id': id });
      } catch (err) {
        finish(() => fail(`request threw ${(err as NodeJS.ErrnoException).code}`, `${id} ${path}`));
        return;
      }
      timer = setTimeout(() => {
        finish(() => fail('timeout', `${id} ${path}: no response within ${timeoutMs}ms`));
        stream.close(http2.constants.NGHTTP2_CANCEL);
      }, timeoutMs);
      let status = 0;
      const chunks: Buffer[] = [];
      stream.on('response', (headers) => (status = Number(headers[':status'])));
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () =>
        finish(() => {
          const body = Buffer.concat(chunks).toString();
          if (status !== 200) return fail(`status ${status}`, `${id} ${path}: ${body.slice(0, 200)}`);
          let parsed: { generation?: string; pid?: number };
          try {
            parsed = JSON.parse(body) as typeof parsed;
          } catch {
            return fail('bad body', `${id} ${path}: ${body.slice(0, 200)}`);
          }
          report.ok++;
          report.samples.push({ start, end: now(), generation: parsed.generation, pid: parsed.pid });
        }),
      );
      stream.on('close', () =>
        finish(() => {
          if (stream.rstCode === NGHTTP2_REFUSED_STREAM) {
            report.refused++;
            report.refusedIds.push(id);
          } else fail(`closed (rst ${stream.rstCode})`, `${id} ${path} before its response ended`);
        }),
      );
      // 'error' comes before 'close'; close() decides how the stream counts.
      stream.on('error', (err: NodeJS.ErrnoException) => {
        if (stream.rstCode !== NGHTTP2_REFUSED_STREAM) finish(() => fail(err.code ?? err.message, `${id} ${path}: ${err.message}`));
      });
      stream.end();
    });

  const sessions: Array<http2.ClientHttp2Session | undefined> = [];
  /** The slot's session, or a new one if it got a GOAWAY or ended. */
  const sessionFor = (slot: number): http2.ClientHttp2Session => {
    const current = sessions[slot];
    if (current && !current.closed && !current.destroyed) return current;
    current?.close();
    return (sessions[slot] = connect(slot));
  };

  const loop = async (slot: number) => {
    for (let i = 1; !stopped && report.streams < maxStreams && now() < deadline; i++) {
      await one(sessionFor(slot), slot, i % slowEvery === 0 ? '/slow' : '/fast');
    }
  };
  const loops: Promise<void>[] = [];
  for (let slot = 0; slot < options.sessions; slot++) for (let i = 0; i < options.streams; i++) loops.push(loop(slot));
  const all = Promise.all(loops).then(() => {
    report.durationMs = now();
    for (const session of open) session.close();
    return report;
  });
  return {
    now,
    okCount: () => report.ok,
    okSince: (ms) => report.samples.reduce((n, s) => (s.start > ms ? n + 1 : n), 0),
    stop() {
      stopped = true;
      return all;
    },
  };
}

/** A one-paragraph summary of an HTTP/2 load run, printed by failing tests. */
export function describeH2Load(report: H2LoadReport): string {
  const gens: Record<string, number> = {};
  for (const s of report.samples) gens[s.generation ?? '?'] = (gens[s.generation ?? '?'] ?? 0) + 1;
  return [
    `streams ${report.streams}, ok ${report.ok}, failed ${report.failed}, refused by GOAWAY ${report.refused} in ${report.durationMs.toFixed(0)}ms`,
    `sessions opened ${report.sessionsOpened}, GOAWAYs received ${report.goaways}`,
    `failures by kind: ${JSON.stringify(report.failures)}`,
    `responses by generation: ${JSON.stringify(gens)}`,
    ...report.examples.map((e) => `  ${e}`),
  ].join('\n');
}
