// The health endpoint a load balancer polls: GET /healthz is 200 while this host
// serves (from its first ready workers on) and 503 before that and once it is leaving
// the pool; GET /readyz is 200 only while every worker slot has a ready worker. Reloads and upgrades never make the host leave.
// It answers no other path. Its socket, like the app's, passes to a successor master.
import http from 'node:http';
import type net from 'node:net';

export interface HealthState {
  /** True once the cluster has started serving (its first workers were ready). */
  serving(): boolean;
  /** True once a stop with --lb-grace has begun. */
  leaving(): boolean;
  /** True while every slot has a ready worker. */
  ready(): boolean;
}

/** Serves the endpoint on `fd` (inherited) or binds host:port; resolves with the server. */
export async function serveHealth(state: HealthState, where: { fd: number } | { host: string; port: number }): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    const reply = (status: number, body: string) => {
      res.writeHead(status, { 'content-type': 'text/plain', 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : body + '\n');
    };
    if (path !== '/healthz' && path !== '/readyz') return reply(404, 'not found');
    if (req.method !== 'GET' && req.method !== 'HEAD') return reply(405, 'method not allowed');
    if (state.leaving()) return reply(503, 'leaving');
    if (!state.serving()) return reply(503, 'starting');
    if (path === '/healthz') return reply(200, 'ok');
    return state.ready() ? reply(200, 'ready') : reply(503, 'not ready');
  });
  // Probes are short: do not let idle probe connections hold a stop.
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen('fd' in where ? { fd: where.fd } : { host: where.host, port: where.port }, () => {
      server.off('error', reject);
      // From now on an error can only come from accepting (EMFILE when out of file
      // descriptors): the next accept works again once some are free; never fatal.
      server.on('error', () => {});
      resolve();
    });
  });
  return server;
}

/** The fd of a listening health server, to hand to a successor master. */
export function healthFd(server: net.Server): number {
  return (server as unknown as { _handle: { fd: number } })._handle.fd;
}
