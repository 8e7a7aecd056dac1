// Fixture apps that import packages: baton's own worker API (as 'baton-supervisor/worker',
// and as 'baton/worker' for a checkout whose package is still named baton) and devDependencies
// such as ws or socket.io, linked into the app's temp dir as an installed app has them.
import { copyFileSync, mkdirSync, symlinkSync } from 'node:fs';
import { basename, isAbsolute, join } from 'node:path';
import { Cluster, ROOT, tempDir, useFixture } from './cluster.js';
import type { ClusterOptions } from './cluster.js';

/**
 * A temp dir (removed after the test) holding `fixture` (a file of test/fixtures/apps, or an
 * absolute path such as an example's) as app.mjs, or under its own name when absolute, and
 * node_modules links to `packages`.
 */
export function appDir(t: { after: (fn: () => unknown) => void }, fixture: string, packages: readonly string[] = []): { dir: string; app: string } {
  const tmp = tempDir();
  t.after(tmp.remove);
  const modules = join(tmp.dir, 'node_modules');
  mkdirSync(modules);
  for (const name of ['baton-supervisor', 'baton']) symlinkSync(ROOT, join(modules, name));
  for (const name of packages) symlinkSync(join(ROOT, 'node_modules', name), join(modules, name));
  if (!isAbsolute(fixture)) return { dir: tmp.dir, app: useFixture(tmp.dir, fixture) };
  const app = join(tmp.dir, basename(fixture));
  copyFileSync(fixture, app);
  return { dir: tmp.dir, app };
}

/** appDir, then a master started on it and destroyed after the test. */
export async function startApp(
  t: { after: (fn: () => unknown) => void },
  fixture: string,
  packages: readonly string[],
  options: Omit<ClusterOptions, 'app' | 'dir'> = {},
): Promise<{ cluster: Cluster; dir: string }> {
  const { dir, app } = appDir(t, fixture, packages);
  const cluster = Cluster.launch({ app, dir, ...options });
  t.after(() => cluster.destroy());
  await cluster.ready();
  return { cluster, dir };
}
