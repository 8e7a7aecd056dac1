// PM2 in cluster mode (`pm2 start app -i N`), with PM2_HOME in the benchmark's temp dir
// so it never touches a user's PM2. Reload is `pm2 reload`; PM2's way to replace its
// daemon (the process that owns the listening socket) is `pm2 kill` + `pm2 resurrect`,
// which is also what `pm2 update` does. Teardown is `pm2 kill`, then SIGKILL by pid.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../../test/support/cluster.js';
import { freePort, killPids, run, waitServing } from '../lib/proc.js';
import { APP } from './system.js';
import type { System, SystemOptions } from './system.js';

const PM2 = join(ROOT, 'node_modules', 'pm2', 'bin', 'pm2');
const NAME = 'bench-app';

/** The installed PM2's version, for the report. */
export function pm2Version(): string {
  return (JSON.parse(readFileSync(join(ROOT, 'node_modules', 'pm2', 'package.json'), 'utf8')) as { version: string }).version;
}

/** Starts PM2's daemon and the app in cluster mode, saves the process list, waits until it serves. */
export async function startPm2(options: SystemOptions): Promise<System> {
  const port = await freePort();
  const home = join(options.dir, 'pm2-home');
  const env = { PM2_HOME: home, PORT: String(port) };
  const seen = new Set<number>();
  let daemon = 0;
  let workers: number[] = [];

  const pm2 = async (...args: string[]) => {
    const result = await run(process.execPath, [PM2, ...args], { env, cwd: options.dir, timeoutMs: 60_000 });
    if (result.code !== 0) throw new Error(`pm2 ${args.join(' ')} exited ${result.code}: ${(result.stderr || result.stdout).trim().slice(-500)}`);
    return result.stdout;
  };
  const readDaemon = () => {
    daemon = Number(readFileSync(join(home, 'pm2.pid'), 'utf8').trim());
    seen.add(daemon);
  };
  const refresh = async () => {
    readDaemon();
    const list = JSON.parse(await pm2('jlist')) as { pid: number }[];
    workers = list.map((p) => p.pid).filter((pid) => pid > 0);
    for (const pid of workers) seen.add(pid);
  };

  const system: System = {
    name: 'pm2',
    port,
    replaceMasterHow: '`pm2 kill` + `pm2 resurrect` (what `pm2 update` does)',
    masterPid: () => daemon,
    workerPids: () => workers,
    refresh,
    async reload() {
      await pm2('reload', NAME);
      return 'pm2 reload done';
    },
    async replaceMaster() {
      const old = daemon;
      await pm2('kill');
      await pm2('resurrect');
      readDaemon();
      await waitServing(port);
      return `daemon ${old} killed, ${daemon} resurrected`;
    },
    async destroy() {
      await run(process.execPath, [PM2, 'kill'], { env, cwd: options.dir, timeoutMs: 20_000 });
      await killPids([...seen]);
    },
  };
  try {
    await pm2('start', APP, '-i', String(options.workers), '--name', NAME);
    await pm2('save', '--force');
    await waitServing(port);
    await refresh();
  } catch (err) {
    await system.destroy();
    throw err;
  }
  return system;
}
