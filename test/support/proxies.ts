// Real load balancers for fleet tests: HAProxy and nginx from Debian's packages, run
// in the foreground from the configs in examples/fleet/ with loopback addresses filled
// in, in their own process group so teardown can kill every process they started.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { answers } from '../../src/probe.js';
import { ROOT, delay, isAlive } from './cluster.js';

export interface Backend {
  port: number;
  healthPort: number;
}

export interface Proxy {
  port: number;
  output(): string;
  stop(): Promise<void>;
}

const EXAMPLES = join(ROOT, 'examples', 'fleet');

function requireBinary(path: string, pkg: string): void {
  if (!existsSync(path)) throw new Error(`${path} is missing: install Debian's ${pkg} package (.ci/run does)`);
}

function assertFilledIn(text: string, name: string): void {
  const left = text.split('\n').filter((line) => !line.trim().startsWith('#') && line.includes('example.internal'));
  if (left.length > 0) throw new Error(`examples/fleet/${name} changed shape: not every host was filled in:\n${left.join('\n')}`);
}

/** examples/fleet/haproxy.cfg with the two hosts and the front port on loopback. */
export function haproxyConfig(front: number, backends: readonly Backend[]): string {
  let text = readFileSync(join(EXAMPLES, 'haproxy.cfg'), 'utf8').replace('bind 0.0.0.0:8080', `bind 127.0.0.1:${front}`);
  backends.forEach((b, i) => {
    text = text.replace(`app${i + 1}.example.internal:3000 check port 9000`, `127.0.0.1:${b.port} check port ${b.healthPort}`);
  });
  assertFilledIn(text, 'haproxy.cfg');
  return text;
}

/** examples/fleet/nginx.conf with the two hosts and the front port on loopback. */
export function nginxConfig(front: number, backends: readonly Backend[]): string {
  let text = readFileSync(join(EXAMPLES, 'nginx.conf'), 'utf8').replace('listen 8080;', `listen 127.0.0.1:${front};`);
  backends.forEach((b, i) => {
    text = text.replace(`app${i + 1}.example.internal:3000`, `127.0.0.1:${b.port}`);
  });
  assertFilledIn(text, 'nginx.conf');
  return text;
}

export async function startHaproxy(dir: string, front: number, backends: readonly Backend[]): Promise<Proxy> {
  requireBinary('/usr/sbin/haproxy', 'haproxy');
  const config = join(dir, 'haproxy.cfg');
  writeFileSync(config, haproxyConfig(front, backends));
  return startProxy('/usr/sbin/haproxy', ['-f', config, '-db'], front);
}

export async function startNginx(dir: string, front: number, backends: readonly Backend[]): Promise<Proxy> {
  requireBinary('/usr/sbin/nginx', 'nginx');
  const config = join(dir, 'nginx.conf');
  writeFileSync(config, nginxConfig(front, backends));
  return startProxy('/usr/sbin/nginx', ['-e', 'stderr', '-p', dir, '-c', config, '-g', `daemon off; pid ${join(dir, 'nginx.pid')};`], front);
}

async function startProxy(binary: string, args: string[], front: number): Promise<Proxy> {
  const child: ChildProcess = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d));
  child.stderr!.on('data', (d: Buffer) => (output += d));
  const pgid = child.pid!;
  const stop = async () => {
    try {
      process.kill(-pgid, 'SIGTERM');
    } catch {
      return;
    }
    const deadline = Date.now() + 5000;
    while (isAlive(pgid) && Date.now() < deadline) await delay(50);
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // All gone.
    }
  };
  // Wait until it accepts on the front port.
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (await answers({ host: '127.0.0.1', port: front })) break;
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`${binary} did not start (exit ${child.exitCode}):\n${output}`);
    }
    await delay(50);
  }
  return { port: front, output: () => output, stop };
}
