// The programmatic client's requests, against a stand-in master on a unix socket: what
// each method sends, its checks before sending, and how a master is found by name.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, test } from 'node:test';
import { BatonError, connect } from '../../../src/api/index.js';
import type { Registry } from '../../../src/api/index.js';

const dir = mkdtempSync(join(tmpdir(), 'baton-api-'));
const control = join(dir, 'control.sock');
/** Every request the stand-in master got. */
const got: Array<{ cmd: string; args: Record<string, unknown> }> = [];
let server: net.Server;

before(async () => {
  // Answers every request as a master would: ok, with the command and args echoed; "reload" with batch "9" fails as a busy master.
  server = net.createServer((socket) => {
    createInterface({ input: socket }).on('line', (line) => {
      const request = JSON.parse(line) as { id: number; cmd: string; args: Record<string, unknown> };
      got.push({ cmd: request.cmd, args: request.args });
      const reply =
        request.args.batch === '9'
          ? { v: 1, id: request.id, ok: false, error: { code: 'BATON_BUSY', message: 'a reload, upgrade or stop is already running' } }
          : { v: 1, id: request.id, ok: true, result: { cmd: request.cmd } };
      socket.write(JSON.stringify(reply) + '\n');
    });
  });
  await new Promise<void>((done) => server.listen(control, done));
});
after(async () => {
  await new Promise((done) => server.close(done));
  rmSync(dir, { recursive: true, force: true });
});

const last = () => got[got.length - 1];

describe('connect({ control })', () => {
  test('each method is one request, its options in the form the control protocol takes', async () => {
    const master = connect({ control });
    assert.equal(master.target, `control socket ${control}`);
    await master.status();
    assert.deepEqual(last(), { cmd: 'status', args: {} });
    await master.reload();
    assert.deepEqual(last(), { cmd: 'reload', args: {} });
    await master.reload({ batch: 2, waitDrained: true });
    assert.deepEqual(last(), { cmd: 'reload', args: { batch: '2', waitDrained: true } });
    await master.upgrade({ node: 'bin/node22' });
    assert.deepEqual(last(), { cmd: 'upgrade', args: { node: resolve('bin/node22') } });
    await master.stop({ lbGrace: '2s' });
    assert.deepEqual(last(), { cmd: 'stop', args: { lbGraceMs: 2000 } });
  });

  test("a bad option is refused before anything is sent; the master's refusal comes back with its code", async () => {
    const master = connect({ control });
    const before = got.length;
    await assert.rejects(master.reload({ batch: 'half' }), { name: 'BatonError', code: 'BATON_INVALID_OPTION', message: /invalid value "half" for batch/ });
    await assert.rejects(master.stop({ lbGrace: 'soon' }), { code: 'BATON_INVALID_OPTION', message: /for lbGrace/ });
    assert.equal(got.length, before);
    await assert.rejects(master.reload({ batch: 9 }), (err: unknown) => err instanceof BatonError && err.code === 'BATON_BUSY');
  });

  test('no master on the socket: BATON_NO_MASTER, as the CLI says it', async () => {
    await assert.rejects(connect({ control: join(dir, 'none.sock') }).status(), { code: 'BATON_NO_MASTER', message: /no baton master is running on control socket .*none\.sock \(ENOENT\)/ });
  });
});

describe('the registry', () => {
  /** A registry of one master, "web", on the stand-in's socket; it counts its lookups. */
  const fake = () => {
    const lookups: string[] = [];
    const registry: Registry = {
      list: async () => [{ name: 'web', control, pid: 42 }],
      lookup: async (name) => {
        lookups.push(name);
        if (name !== 'web') throw new BatonError('BATON_UNKNOWN_NAME', `no master named "${name}"`);
        return { name, control };
      },
    };
    return { registry, lookups };
  };

  test('connect({ name }) looks the master up at every call; list() is the registry\'s', async () => {
    const { registry, lookups } = fake();
    const web = connect({ name: 'web', registry });
    assert.equal(web.target, '"web" in the registry');
    await web.status();
    await web.reload();
    assert.deepEqual(lookups, ['web', 'web']);
    assert.deepEqual(last(), { cmd: 'reload', args: {} });
    assert.deepEqual(await connect({ registry }).list(), [{ name: 'web', control, pid: 42 }]);
    await assert.rejects(connect({ name: 'db', registry }).stop(), { code: 'BATON_UNKNOWN_NAME' });
  });

  test('by default, connect({ name }) and list() read this user\'s registry (BATON_RUNTIME_DIR here)', async () => {
    const saved = process.env.BATON_RUNTIME_DIR;
    process.env.BATON_RUNTIME_DIR = join(dir, 'registry');
    try {
      assert.deepEqual(await connect().list(), []);
      await assert.rejects(connect({ name: 'web' }).status(), { code: 'BATON_UNKNOWN_APP', message: /no app named "web" is running/ });
    } finally {
      if (saved === undefined) delete process.env.BATON_RUNTIME_DIR;
      else process.env.BATON_RUNTIME_DIR = saved;
    }
  });
});
