// Public API for apps: `import { ready } from 'baton-supervisor/worker'`. Outside baton every
// function is a no-op, so the same app runs alone unchanged.
import { RUNTIME_KEY } from './runtime.js';
import type { RuntimeApi } from './runtime.js';

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
