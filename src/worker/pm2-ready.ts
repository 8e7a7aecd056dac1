// PM2's readiness signal, accepted as ready(): an app written for PM2's wait_ready calls
// process.send('ready') once it is warm, and under baton --wait-ready that counts as
// ready() from baton-supervisor/worker, so such an app runs unchanged. The message still
// goes to the master, which ignores what is not baton's.

/** Wraps process.send so that the message 'ready' also calls `ready`. */
export function acceptProcessSendReady(ready: () => void): void {
  const send = process.send;
  if (typeof send !== 'function') return;
  process.send = function (this: NodeJS.Process, message: unknown, ...rest: unknown[]): boolean {
    if (message === 'ready') ready();
    return (send as (...args: unknown[]) => boolean).call(process, message, ...rest);
  } as typeof process.send;
}
