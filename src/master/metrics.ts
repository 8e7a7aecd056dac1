// Prometheus metrics for the master, in a private registry (never prom-client's global
// one, so nothing else in the process can add to or collide with it). Gauges are read
// from one status snapshot per scrape, so the series in one scrape agree with each other.
import http from 'node:http';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** What the metrics read at scrape time (a narrow view of the supervisor's status). */
export interface MetricsSnapshot {
  workers: Array<{
    state: string;
    generation: number;
    pid: number | null;
    rssBytes?: number;
    connections?: number;
    requests?: number;
    eventLoopDelayMs?: number;
  }>;
  masterRssBytes: number;
  /** Worker restarts after a crash, all slots together; a successor master resumes it. */
  restartsTotal: number;
  /** Log lines that could not be written (a full disk), since this master started. */
  logLinesDropped?: number;
}

/** Where the metrics come from; called once per scrape. */
export interface MetricsSource {
  status(): MetricsSnapshot;
}

export type OperationKind = 'reload' | 'upgrade';
export type OperationOutcome = 'ok' | 'failed';

export interface MetricsOptions {
  /** Also export prom-client's process and Node.js metrics for the master (default true). */
  defaultMetrics?: boolean;
}

/** Reloads take seconds; upgrades can wait out long ready and drain deadlines. */
const DURATION_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120];

/** The master's metrics: gauges read from `source` per scrape, operations recorded as they end. */
export class Metrics {
  private readonly registry = new Registry();
  /** The snapshot the current scrape reads; one status() call serves every gauge. */
  private scrape: MetricsSnapshot | undefined;

  private readonly operations = new Counter({
    name: 'baton_operations_total',
    help: 'Reloads and upgrades that finished, by kind and outcome.',
    labelNames: ['kind', 'outcome'] as const,
    registers: [this.registry],
  });

  private readonly durations = new Histogram({
    name: 'baton_operation_duration_seconds',
    help: 'How long reloads and upgrades took, by kind and outcome.',
    labelNames: ['kind', 'outcome'] as const,
    buckets: DURATION_BUCKETS,
    registers: [this.registry],
  });

  constructor(private readonly source: MetricsSource, options: MetricsOptions = {}) {
    const snapshot = () => this.scrape ?? this.source.status();

    new Gauge({
      name: 'baton_workers',
      help: 'Workers by lifecycle state and generation.',
      labelNames: ['state', 'generation'] as const,
      registers: [this.registry],
      collect() {
        // Reset first: a state or generation with no workers left must disappear.
        this.reset();
        const counts = new Map<string, { state: string; generation: string; n: number }>();
        for (const w of snapshot().workers) {
          const key = `${w.state}\0${w.generation}`;
          const entry = counts.get(key) ?? { state: w.state, generation: String(w.generation), n: 0 };
          entry.n += 1;
          counts.set(key, entry);
        }
        for (const { state, generation, n } of counts.values()) this.set({ state, generation }, n);
      },
    });

    // A counter, not a gauge: restarts only go up and rate() must work on them. The
    // source keeps the total, so each scrape adds what is new since the last one. A
    // successor master that resumes the carried total (SupervisorCounters.restarts)
    // continues the series across an upgrade instead of resetting it.
    let restartsSeen = 0;
    new Counter({
      name: 'baton_worker_restarts_total',
      help: 'Worker restarts after a crash.',
      registers: [this.registry],
      collect() {
        const total = snapshot().restartsTotal;
        if (total < restartsSeen) {
          // The source started over: report a counter reset, as Prometheus expects.
          this.reset();
          restartsSeen = 0;
        }
        if (total > restartsSeen) this.inc(total - restartsSeen);
        restartsSeen = total;
      },
    });

    new Gauge({
      name: 'baton_master_resident_memory_bytes',
      help: 'Resident memory of the master process.',
      registers: [this.registry],
      collect() {
        this.set(snapshot().masterRssBytes);
      },
    });

    /** A gauge per running worker, labelled by pid and generation, read from its last report. */
    const perWorker = (name: string, help: string, value: (w: MetricsSnapshot['workers'][number]) => number | undefined) =>
      new Gauge({
        name,
        help,
        labelNames: ['pid', 'generation'] as const,
        registers: [this.registry],
        collect() {
          this.reset(); // exited workers' pids must not linger
          for (const w of snapshot().workers) {
            const v = value(w);
            if (w.pid !== null && v !== undefined) this.set({ pid: String(w.pid), generation: String(w.generation) }, v);
          }
        },
      });
    perWorker('baton_worker_resident_memory_bytes', 'Resident memory of each running worker process.', (w) => w.rssBytes);
    perWorker('baton_worker_connections', 'Open connections of each worker (WebSockets and other upgraded ones included).', (w) => w.connections);
    perWorker('baton_worker_event_loop_delay_seconds', "Event-loop delay (p99 over the worker's last second) of each worker.", (w) => (w.eventLoopDelayMs === undefined ? undefined : w.eventLoopDelayMs / 1000));

    // Requests per worker as a counter: each scrape adds what the worker served since the
    // last one. A worker that is gone takes its series with it.
    const served = new Map<string, number>();
    new Counter({
      name: 'baton_worker_requests_total',
      help: 'HTTP requests (and HTTP/2 streams) each worker has received.',
      labelNames: ['pid', 'generation'] as const,
      registers: [this.registry],
      collect() {
        const seen = new Set<string>();
        for (const w of snapshot().workers) {
          if (w.pid === null || w.requests === undefined) continue;
          const key = `${w.pid}\0${w.generation}`;
          seen.add(key);
          const labels = { pid: String(w.pid), generation: String(w.generation) };
          const before = served.get(key) ?? 0;
          if (w.requests > before) this.inc(labels, w.requests - before);
          else if (!served.has(key)) this.inc(labels, 0);
          served.set(key, Math.max(before, w.requests));
        }
        for (const key of [...served.keys()].filter((k) => !seen.has(k))) {
          served.delete(key);
          const [pid, generation] = key.split('\0') as [string, string];
          this.remove({ pid, generation });
        }
      },
    });

    let droppedSeen = 0;
    new Counter({
      name: 'baton_log_lines_dropped_total',
      help: 'Log lines the master could not write (a full disk, an I/O error).',
      registers: [this.registry],
      collect() {
        const total = snapshot().logLinesDropped ?? 0;
        if (total > droppedSeen) this.inc(total - droppedSeen);
        droppedSeen = Math.max(droppedSeen, total);
      },
    });

    // Every kind/outcome series exists from the first scrape, so rate() and increase()
    // see the first reload instead of a series appearing from nothing.
    for (const kind of ['reload', 'upgrade'] as const) {
      for (const outcome of ['ok', 'failed'] as const) {
        this.operations.inc({ kind, outcome }, 0);
        this.durations.zero({ kind, outcome });
      }
    }

    // Standard process_* and nodejs_* names: all of ours start with baton_, so none collide.
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }

  /** The Content-Type of what render() returns (Prometheus text format 0.0.4). */
  get contentType(): string {
    return this.registry.contentType;
  }

  /** Counts a finished reload or upgrade and records how long it took. */
  recordOperation(kind: OperationKind, outcome: OperationOutcome, seconds: number): void {
    this.operations.inc({ kind, outcome });
    this.durations.observe({ kind, outcome }, Math.max(0, seconds));
  }

  /** Every metric in the Prometheus text format, read now. */
  async render(): Promise<string> {
    // prom-client runs every collect() synchronously when metrics() starts, so this one
    // snapshot is what they all read, even with two scrapes at once.
    this.scrape = this.source.status();
    try {
      return await this.registry.metrics();
    } finally {
      this.scrape = undefined;
    }
  }
}

/** Serves GET /metrics on host:port; resolves once listening, rejects if it cannot bind. */
export async function serveMetrics(metrics: Metrics, where: { host: string; port: number }): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    const reply = (status: number, body: string, headers: http.OutgoingHttpHeaders = {}) => {
      res.writeHead(status, { 'content-type': 'text/plain', 'cache-control': 'no-store', ...headers });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (path !== '/metrics') return reply(404, 'not found\n');
    if (req.method !== 'GET' && req.method !== 'HEAD') return reply(405, 'method not allowed\n', { allow: 'GET, HEAD' });
    metrics.render().then(
      (body) => reply(200, body, { 'content-type': metrics.contentType }),
      (err: unknown) => reply(500, `cannot render metrics: ${err instanceof Error ? err.message : String(err)}\n`),
    );
  });
  // Scrapes are periodic and short: do not let an idle scraper connection hold a stop.
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: where.host, port: where.port }, () => {
      server.off('error', reject);
      // From now on an error can only come from accepting (EMFILE when out of file
      // descriptors): the next accept works again once some are free; never fatal.
      server.on('error', () => {});
      resolve();
    });
  });
  return server;
}
