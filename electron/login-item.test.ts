import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  HIDDEN_FLAG,
  applyOpenAtLogin,
  autostartEntry,
  autostartFile,
  launchedHidden,
  type LoginItemHost,
} from './login-item.js';
import { app, resetFakeElectron } from './testing/fake-electron.js';

vi.mock('electron', () => import('./testing/fake-electron.js'));

let home: string;
beforeEach(async () => {
  resetFakeElectron();
  home = await mkdtemp(path.join(os.tmpdir(), 'outpost-home-'));
});
afterEach(() => rm(home, { recursive: true, force: true }));

function host(platform: NodeJS.Platform, env: Record<string, string> = {}): LoginItemHost {
  return { app: app as never, platform, execPath: '/opt/Outpost/outpost', env, homeDir: home };
}

describe('applyOpenAtLogin', () => {
  it('uses the login item settings on Windows and macOS, starting hidden', async () => {
    await applyOpenAtLogin(true, host('win32'));
    await applyOpenAtLogin(false, host('darwin'));
    expect(app.loginItem).toEqual([
      { openAtLogin: true, args: [HIDDEN_FLAG] },
      { openAtLogin: false, args: [HIDDEN_FLAG] },
    ]);
  });

  it('writes and removes an XDG autostart entry on Linux', async () => {
    const linux = host('linux', { APPIMAGE: '/home/till/Apps/Outpost $1.AppImage' });
    const file = autostartFile(linux);
    expect(file).toBe(path.join(home, '.config', 'autostart', 'outpost.desktop'));
    await applyOpenAtLogin(true, linux);
    const entry = await readFile(file, 'utf8');
    expect(entry).toContain('Exec="/home/till/Apps/Outpost \\$1.AppImage" --hidden');
    expect(entry).toMatch(/^\[Desktop Entry\]\nType=Application\nName=Outpost\n/);
    await applyOpenAtLogin(false, linux);
    await expect(stat(file)).rejects.toMatchObject({ code: 'ENOENT' });
    await applyOpenAtLogin(false, linux); // already gone: fine
    expect(app.loginItem).toEqual([]);
  });

  it('honours XDG_CONFIG_HOME and falls back to the executable', () => {
    expect(autostartFile({ env: { XDG_CONFIG_HOME: '/cfg' }, homeDir: home })).toBe(
      '/cfg/autostart/outpost.desktop',
    );
    expect(autostartEntry('/opt/Outpost/outpost')).toContain(
      'Exec="/opt/Outpost/outpost" --hidden',
    );
  });
});

describe('launchedHidden', () => {
  it('is true for the --hidden flag, or a macOS login launch', () => {
    expect(launchedHidden(['outpost', HIDDEN_FLAG], host('win32'))).toBe(true);
    expect(launchedHidden(['outpost'], host('win32'))).toBe(false);
    app.wasOpenedAtLogin = true;
    expect(launchedHidden(['outpost'], host('darwin'))).toBe(true);
    expect(launchedHidden(['outpost'], host('linux'))).toBe(false);
  });
});
