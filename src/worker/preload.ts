// Entry point preloaded into every worker (node --import). Reads the bootstrap the
// master put in the environment and installs the runtime before the app's code runs
// (with PM2's process.send('ready') taken as ready()).
import { BOOTSTRAP_ENV, WORKER_PROTOCOL_VERSION } from '../protocol/worker.js';
import type { WorkerBootstrap } from '../protocol/worker.js';
import { acceptProcessSendReady } from './pm2-ready.js';
import { installRuntime, RUNTIME_KEY } from './runtime.js';

const raw = process.env[BOOTSTRAP_ENV];
if (raw !== undefined) {
  // Children the app itself spawns must not mistake themselves for baton workers.
  delete process.env[BOOTSTRAP_ENV];
  const boot = JSON.parse(raw) as WorkerBootstrap;
  if (boot.v !== WORKER_PROTOCOL_VERSION) {
    process.stderr.write(`baton: worker bootstrap version ${boot.v} is not supported (expected ${WORKER_PROTOCOL_VERSION})\n`);
    process.exit(78);
  }
  const runtime = installRuntime(boot);
  (globalThis as Record<symbol, unknown>)[RUNTIME_KEY] = runtime;
  acceptProcessSendReady(() => runtime.ready());
}
