/**
 * "Start Outpost at login". Electron's `app.setLoginItemSettings` covers macOS and Windows only;
 * on Linux the freedesktop autostart entry (~/.config/autostart/outpost.desktop) does the same.
 * A start at login opens no window (`--hidden`): the app comes up in the tray.
 * https://www.electronjs.org/docs/latest/api/app#appsetloginitemsettingssettings-macos-windows
 * https://specifications.freedesktop.org/autostart-spec/latest/
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { App } from 'electron';

export const HIDDEN_FLAG = '--hidden';

export interface LoginItemHost {
  app: Pick<App, 'setLoginItemSettings' | 'getLoginItemSettings'>;
  platform: NodeJS.Platform;
  /** The executable to start: the AppImage when run from one, else the app's binary. */
  execPath: string;
  env: Record<string, string | undefined>;
  homeDir: string;
}

export function autostartFile(host: Pick<LoginItemHost, 'env' | 'homeDir'>): string {
  const configHome = host.env['XDG_CONFIG_HOME'] || path.join(host.homeDir, '.config');
  return path.join(configHome, 'autostart', 'outpost.desktop');
}

/** A desktop entry's Exec value: quoted, with `"`, `` ` ``, `$` and `\` escaped (the spec's rules). */
function execQuote(file: string): string {
  return `"${file.replace(/(["`$\\])/g, '\\$1')}"`;
}

export function autostartEntry(executable: string): string {
  return [
    '[Desktop Entry]',
    'Type=Application',
    'Name=Outpost',
    'Comment=Keeps this site’s MongoDB in sync with central',
    `Exec=${execQuote(executable)} ${HIDDEN_FLAG}`,
    'Terminal=false',
    'X-GNOME-Autostart-enabled=true',
    '',
  ].join('\n');
}

export async function applyOpenAtLogin(enabled: boolean, host: LoginItemHost): Promise<void> {
  if (host.platform === 'linux') {
    const file = autostartFile(host);
    if (!enabled) {
      await rm(file, { force: true });
      return;
    }
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, autostartEntry(host.env['APPIMAGE'] || host.execPath), { mode: 0o644 });
    return;
  }
  // `args` is read on Windows; on macOS a login item cannot take arguments (see launchedHidden).
  host.app.setLoginItemSettings({ openAtLogin: enabled, args: [HIDDEN_FLAG] });
}

/** Whether this launch is a start at login, which should stay in the tray. */
export function launchedHidden(
  argv: readonly string[],
  host: Pick<LoginItemHost, 'app' | 'platform'>,
): boolean {
  if (argv.includes(HIDDEN_FLAG)) return true;
  return host.platform === 'darwin' && host.app.getLoginItemSettings().wasOpenedAtLogin === true;
}
