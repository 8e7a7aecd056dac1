// The batch spec moved to src/config/ (config must not depend on master/); re-exported
// here so the master's own imports keep working.
export * from '../config/batch.js';
