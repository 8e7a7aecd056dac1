// One plain HTTP GET on a new connection, for tests that check a single response.
import http from 'node:http';
import type { Target } from './load.js';

export interface Response {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** GET `path` from a TCP or unix-socket target; rejects on connection errors. */
export function get(target: Target | number, path = '/fast'): Promise<Response> {
  const where = typeof target === 'number' ? { host: '127.0.0.1', port: target } : target;
  return new Promise((resolve, reject) => {
    http
      .get({ ...where, path, agent: false }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      })
      .on('error', reject);
  });
}

/** GET and parse the JSON body. */
export async function getJson(target: Target | number, path = '/fast'): Promise<Record<string, unknown> & { status: number }> {
  const res = await get(target, path);
  return { ...(JSON.parse(res.body) as Record<string, unknown>), status: res.status };
}
