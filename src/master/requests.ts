// Requests, as the master's loop runs them: status, logs and reopen-logs are answered
// in every state; reload, upgrade, stop and the memory swap get what policy.ts's table
// says for the state the master is in: run now, wait in the queue, or a coded refusal.
import type { MasterOptions } from '../config/options.js';
import { RELOAD_APPLIED } from '../config/schema.js';
import { parseBatchSpec } from './batch.js';
import type { Master, MasterRequest, Reply } from './master.js';
import { decide, refusalError } from './policy.js';
import type { Ask } from './policy.js';
import { ReloadRun, SwapRun } from './rollout.js';
import { labelOf } from './state.js';
import { beginStop } from './stop.js';
import type { StopWaiter } from './stop.js';
import { beginUpgrade } from './upgrade.js';

const ALWAYS = new Set(['status', 'logs', 'reopen-logs']);

/** Decides a request by the table and runs, queues, or refuses it. */
export function onRequest(m: Master, request: MasterRequest, reply: Reply): void {
  if (ALWAYS.has(request.cmd)) return answer(m, request, reply);
  const decision = decide(labelOf(m.state), request.cmd as Ask);
  switch (decision.action) {
    case 'queue':
      m.queued.push({ request, reply });
      return;
    case 'skip':
      reply.resolve(undefined);
      return;
    case 'refuse':
      reply.reject(refusalError(decision.why, m.peer()));
      return;
    case 'join':
    case 'carry':
    case 'run':
      if (request.cmd === 'stop') return beginStop(m, decision.action, reply as Reply<never> as StopWaiter, request);
      return runRequest(m, request, reply);
  }
}

function answer(m: Master, request: MasterRequest, reply: Reply): void {
  if (request.cmd === 'status') return reply.resolve(m.snapshot());
  if (request.cmd === 'reopen-logs') {
    m.log.sink.reopen();
    m.log.info(`${request.from}: reopened the log file ${m.log.sink.file}`);
  }
  reply.resolve({ pid: process.pid, file: m.log.sink.file ?? null, format: m.log.sink.format });
}

function runRequest(m: Master, request: MasterRequest, reply: Reply): void {
  switch (request.cmd) {
    case 'reload': {
      const batch = request.args?.batch === undefined ? undefined : parseBatchSpec(request.args.batch);
      m.move({ kind: 'reloading', run: undefined, reply, batch, waitDrained: request.args?.waitDrained === true, startedAt: m.os.now() });
      // The config file is read again, and checked, before anything changes.
      m.resolveOptions().then(
        (options) => m.post({ type: 'config', result: options }),
        (err: Error) => m.post({ type: 'config', result: err }),
      );
      return;
    }
    case 'swap':
      return startSwap(m, reply);
    case 'upgrade':
      return beginUpgrade(m, request.args?.node, reply, request.args?.waitDrained === true);
  }
}

/** The config file was read again for a reload: apply it and roll, or fail the reload. */
export function onConfig(m: Master, result: MasterOptions | Error): void {
  const state = m.state;
  if (state.kind !== 'reloading' || state.run) return;
  if (result instanceof Error) {
    m.move({ kind: 'serving' });
    state.reply.reject(result);
    return;
  }
  applyToWorkers(m, result);
  state.run = new ReloadRun(m.cluster, state.batch ?? m.options.batch, m.log, m.os.now(), state.waitDrained);
}

/** A reload applies what its new workers need; the rest waits for a master upgrade. */
function applyToWorkers(m: Master, fresh: MasterOptions): void {
  for (const key of RELOAD_APPLIED) (m.options as unknown as Record<string, unknown>)[key] = fresh[key];
  const changed = (Object.keys(fresh) as Array<keyof MasterOptions>).filter(
    (key) => !RELOAD_APPLIED.includes(key) && key !== 'source' && JSON.stringify(fresh[key]) !== JSON.stringify(m.options[key]),
  );
  if (changed.length > 0) m.log.warn(`reload: ${changed.join(', ')} changed in the config; that takes effect at the next baton upgrade`);
}

function startSwap(m: Master, reply: Reply): void {
  const limit = m.options.maxMemoryBytes;
  if (!limit) return reply.resolve(undefined);
  for (const worker of m.cluster.workers) {
    if (worker.state !== 'ready' || worker.proc.pid === undefined || !m.cluster.wanted(worker.slot).includes(worker)) continue;
    const rss = m.os.procStats(worker.proc.pid)?.rssBytes ?? 0;
    if (rss <= limit) continue;
    m.log.warn(`worker ${worker.id} (pid ${worker.proc.pid}) uses ${Math.round(rss / 1024 ** 2)}MB, above --max-memory ${Math.round(limit / 1024 ** 2)}MB: replacing it`);
    m.move({ kind: 'swapping', run: new SwapRun(m.cluster, worker), reply });
    return;
  }
  reply.resolve(undefined);
}
