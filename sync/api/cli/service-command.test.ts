import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runOutpost as outpost } from '../../../test/harness/run-outpost.js';
import { systemdUnit } from './service-command.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function siteConfig(dataDir: string | undefined = undefined) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'outpost-service-'));
  dirs.push(dir);
  const file = path.join(dir, 'outpost.json');
  await writeFile(file, JSON.stringify({ dataDir: dataDir ?? path.join(dir, 'data') }));
  return { dir, file };
}

describe('systemdUnit', () => {
  it('runs serve with the config, restarts it on failure, and stops it as Ctrl-C does', () => {
    const unit = systemdUnit({
      configFile: '/etc/outpost/shop 12.json',
      name: 'outpost',
      user: 'pos',
      node: '/usr/bin/node',
      launcher: '/opt/outpost/bin/outpost.js',
    });
    expect(unit).toContain(
      'ExecStart=/usr/bin/node /opt/outpost/bin/outpost.js serve --config "/etc/outpost/shop 12.json"',
    );
    expect(unit).toContain(
      'ExecReload=/usr/bin/node /opt/outpost/bin/outpost.js config reload --config "/etc/outpost/shop 12.json"',
    );
    expect(unit).toMatch(/^User=pos$/m);
    expect(unit).toMatch(/^Restart=on-failure$/m);
    expect(unit).toMatch(/^KillMode=mixed$/m);
    expect(unit).toMatch(/^WantedBy=multi-user.target$/m);
  });
});

describe('outpost service', () => {
  it('prints the unit for a config that serve can start from', async () => {
    const { file } = await siteConfig();
    const printed = await outpost(['service', 'unit', '--config', file]);
    expect(printed.code).toBe(0);
    expect(printed.out).toContain(`serve --config ${file}`);
    expect(printed.out).not.toMatch(/^User=/m);
  });

  it('writes the unit (0644) and, without a running systemd, says what to run', async () => {
    const { dir, file } = await siteConfig();
    const unitDir = path.join(dir, 'units');
    const installed = await outpost([
      'service',
      'install',
      '--config',
      file,
      '--unit-dir',
      unitDir,
      '--name',
      'outpost-shop',
    ]);
    expect(installed.code).toBe(0);
    const unitFile = path.join(unitDir, 'outpost-shop.service');
    expect(await readFile(unitFile, 'utf8')).toContain(`serve --config ${file}`);
    expect((await stat(unitFile)).mode & 0o777).toBe(0o644);
    expect(installed.out).toContain('systemctl enable --now outpost-shop');

    const removed = await outpost([
      'service',
      'uninstall',
      '--unit-dir',
      unitDir,
      '--name',
      'outpost-shop',
    ]);
    expect(removed.code).toBe(0);
    expect(removed.out).toContain(`Removed ${unitFile}`);
    const again = await outpost([
      'service',
      'uninstall',
      '--unit-dir',
      unitDir,
      '--name',
      'outpost-shop',
    ]);
    expect(again.code).toBe(2);
    expect(again.err).toContain('nothing to remove');
  });

  it('refuses a missing config, a broken one, and a relative data directory, saying what to do', async () => {
    const missing = await outpost(['service', 'unit', '--config', '/nowhere/outpost.json']);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('/nowhere/outpost.json does not exist');
    const { file } = await siteConfig();
    await writeFile(file, JSON.stringify({ dataDir: '/x', sync: { batchSize: -1 } }));
    const broken = await outpost(['service', 'unit', '--config', file]);
    expect(broken.code).not.toBe(0);
    expect(broken.err).toContain('sync.batchSize');
    const relative = await siteConfig('data');
    const rel = await outpost(['service', 'unit', '--config', relative.file]);
    expect(rel.code).toBe(2);
    expect(rel.err).toContain('Make it absolute');
  });
});
