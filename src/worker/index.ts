// Public API for apps: `import { ready, onDrain } from 'baton-supervisor/worker'`.
// Outside baton every function is a no-op (and onDrain never fires), so the same app
// runs alone unchanged. The app's copy of this package may be another release than the
// runtime the master preloaded: each call checks that the runtime offers it.
import { RUNTIME_KEY } from './runtime.js';
import type { RuntimeApi } from './runtime.js';
import type { DrainInfo, DrainListener } from './drain-hook.js';

export type { DrainInfo, DrainListener } from './drain-hook.js';

function runtime(): RuntimeApi | undefined {
  return (globalThis as Record<symbol, RuntimeApi | undefined>)[RUNTIME_KEY];
}

/**
 * Tells baton this worker has finished its warm-up and may take traffic. Only waited
 * for when baton runs with --wait-ready; the worker's listeners must be listening too.
 */
export function ready(): void {
  runtime()?.ready();
}

/** True when this process runs as a baton worker. */
export function isBatonWorker(): boolean {
  return runtime() !== undefined;
}

/**
 * Registers `listener`, called once when this worker starts draining (a reload, an
 * upgrade, a stop), with the drain's deadline and an AbortSignal that fires at it.
 * Close what baton cannot close for the app here: WebSockets
 * (`ws.close(1012, 'service restart')`), event streams (`res.end()`), socket.io (`close()`
 * on each of `io.engine.clients`; not `io.close()`, which also closes the HTTP server
 * and with it idle keep-alive connections under clients that may be sending).
 * Returns a function that removes the listener. Outside baton it never fires.
 */
export function onDrain(listener: (drain: DrainInfo) => void): () => void {
  if (typeof listener !== 'function') throw new TypeError('onDrain(listener): the listener must be a function');
  const rt = runtime();
  return typeof rt?.onDrain === 'function' ? rt.onDrain(listener as DrainListener) : () => {};
}
