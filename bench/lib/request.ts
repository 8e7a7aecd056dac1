// One GET to the app on 127.0.0.1, never retried. It succeeds only with a 200 and the
// app's JSON body (which names the pid that answered); anything else is a failure of
// a kind: an error code (ECONNREFUSED, ECONNRESET, ...), "status N", "bad body", "timeout".
import http from 'node:http';
import type { Socket } from 'node:net';

export type Outcome = { ok: true; pid: number } | { ok: false; kind: string; detail: string };

export interface GetOptions {
  port: number;
  path: string;
  /** A keep-alive agent, or false for a new connection closed after the response. */
  agent: http.Agent | false;
  timeoutMs: number;
  /** Sees the socket the request goes out on (a reused one, or a new one). */
  onSocket?: (socket: Socket) => void;
  /** Sees the response as soon as its headers arrive. */
  onResponse?: (res: http.IncomingMessage) => void;
  /** A body to POST (an upload) instead of a GET. */
  body?: Buffer;
}

/** Sends the request; resolves (never rejects) with what came of it. */
export function get(options: GetOptions): Promise<Outcome> {
  return new Promise((resolve) => {
    let settled = false;
    const settle = (outcome: Outcome) => {
      if (settled) return;
      settled = true;
      resolve(outcome);
    };
    const failed = (kind: string, detail: string) => settle({ ok: false, kind, detail });
    const headers: http.OutgoingHttpHeaders = options.agent ? {} : { connection: 'close' };
    if (options.body) headers['content-length'] = options.body.length;
    const method = options.body ? 'POST' : 'GET';
    const req = http.request({ host: '127.0.0.1', port: options.port, path: options.path, method, agent: options.agent, headers }, (res) => {
      options.onResponse?.(res);
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('error', (err: NodeJS.ErrnoException) => failed(err.code ?? err.message, `response: ${err.message}`));
      res.on('end', () => {
        const pid = res.statusCode === 200 ? pidOf(body) : undefined;
        if (pid !== undefined) settle({ ok: true, pid });
        else failed(res.statusCode === 200 ? 'bad body' : `status ${res.statusCode}`, body.slice(0, 120));
      });
    });
    if (options.onSocket) req.on('socket', options.onSocket);
    req.setTimeout(options.timeoutMs, () => {
      failed('timeout', `no response within ${options.timeoutMs}ms`);
      req.destroy();
    });
    req.on('error', (err: NodeJS.ErrnoException) => failed(err.code ?? err.message, err.message));
    req.end(options.body);
  });
}

/** The pid in the app's JSON answer, or undefined when the body is not that. */
function pidOf(body: string): number | undefined {
  try {
    const pid = (JSON.parse(body) as { pid?: unknown }).pid;
    return typeof pid === 'number' ? pid : undefined;
  } catch {
    return undefined;
  }
}
