// baton, driven as a user drives it: `baton start` through the test suite's Cluster
// helper, then `baton reload` and `baton upgrade` over the control socket.
import { Cluster } from '../../test/support/cluster.js';
import { RUN_ENV } from '../lib/proc.js';
import { APP } from './system.js';
import type { System, SystemOptions } from './system.js';

/** Starts a baton master with the app on 127.0.0.1 and waits until it serves. */
export async function startBaton(options: SystemOptions): Promise<System> {
  const cluster = await Cluster.start({ app: APP, dir: options.dir, workers: options.workers, env: RUN_ENV });
  const status = async () => {
    const s = await cluster.status();
    cluster.track([s.pid], true);
    return s;
  };
  let snapshot = await status();
  const port = await cluster.port();

  const command = async (args: string[]) => {
    const result = await cluster.cli(args, 120_000);
    if (result.code !== 0) throw new Error(`baton ${args[0]} exited ${result.code}: ${(result.stderr || result.stdout).trim()}`);
    return result.stdout.trim();
  };
  return {
    name: 'baton',
    port,
    replaceMasterHow: '`baton upgrade`: a new master gets the listening sockets and starts its workers, then the old one drains and exits',
    masterPid: () => snapshot.pid,
    workerPids: () => snapshot.workers.flatMap((w) => (w.pid === null ? [] : [w.pid])),
    async refresh() {
      snapshot = await status();
    },
    // Until the old workers have gone: a reload returns once the new ones are ready, and
    // the old ones drain in the background (after --warm-up if they hold connections);
    // the window "during a reload" covers that too.
    reload: () => command(['reload', '--wait-drained']),
    async replaceMaster() {
      const out = await command(['upgrade']);
      // The new master's pid is in the output ("upgraded: master A → B"): keep it for
      // memory samples and teardown without another CLI call under load.
      const pid = Number(/→ (\d+)/.exec(out)?.[1]);
      if (pid > 0) {
        cluster.track([pid], true);
        snapshot = { ...snapshot, pid };
      }
      return out;
    },
    destroy: () => cluster.destroy(),
  };
}
