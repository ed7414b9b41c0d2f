/**
 * The desktop app's composition root. The same core as `outpost serve` (startOutpost: mongod
 * supervisor, engine, the handler set and the loopback API the CLI talks to), wrapped in a shell:
 * settings in electron-store with the central password sealed by safeStorage, the app:// UI in
 * one hardened window behind the typed bridge, a tray icon, conflict notifications, and a quit
 * that stops the engine, then mongod, before the process exits.
 */
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  app,
  clipboard,
  dialog,
  ipcMain,
  powerMonitor,
  protocol,
  safeStorage,
  screen,
  session,
} from 'electron';
import ElectronStore from 'electron-store';
import { startOutpost, type OutpostInstance } from '../sync/api/serve.js';
import { dataLayout } from '../sync/api/layout.js';
import { loadConfig, type Config, type ConfigPatch } from '../sync/config/index.js';
import { toErrorPayload } from '../sync/api/handlers.js';
import { createLogger, type Logger } from '../sync/logging/logger.js';
import { APP_INDEX_URL, handleAppProtocol, registerAppScheme } from './app-protocol.js';
import { alertNotificationText } from './alert-notifications.js';
import { ConflictNotifier, electronNotifications } from './conflict-notifier.js';
import { createCredentialVault } from './credentials.js';
import { createElectronIdentityStore } from './identity-store.js';
import { isTrustedSender, registerBridgeIpc, type BridgeIpc } from './ipc.js';
import {
  claimSingleInstance,
  handleQuit,
  quitOnSystemShutdown,
  type QuitControl,
} from './lifecycle.js';
import { applyOpenAtLogin, launchedHidden, type LoginItemHost } from './login-item.js';
import { createDesktopSettings, type DesktopSettings } from './settings-store.js';
import { watchStatus, type StatusFeed } from './status-feed.js';
import { OutpostTray, trayView, type TrayIcon } from './tray.js';
import { MainWindow, hardenWebContents, secureSession } from './window.js';

/** The installer's appId: Windows shows notifications only for a known AppUserModelID. */
export const APP_ID = 'io.outpost.desktop';
/** How often the tray re-reads the status between engine events (pending counts move). */
const TRAY_REFRESH_MS = 5_000;

const appRoot = () => app.getAppPath();
const rendererDir = () => path.join(appRoot(), 'dist-renderer');
const iconFile = (name: string) => path.join(appRoot(), 'resources', 'icons', `${name}.png`);
// Built beside this file by the preload bundle (electron/preload.vite.config.ts).
const preloadFile = fileURLToPath(new URL('./preload.cjs', import.meta.url));

/** What is running, filled in as start-up proceeds; read by the tray, IPC and the quit. */
interface Shell {
  settings?: DesktopSettings;
  logger?: Logger;
  logFile?: string;
  /** Start-up failed: the app exits with 1 once what did start is stopped. */
  failed?: boolean;
  quit?: QuitControl;
  tray?: OutpostTray;
  core?: Promise<OutpostInstance>;
  instance?: OutpostInstance;
  window?: MainWindow;
  ipc?: BridgeIpc;
  feed?: StatusFeed;
  notifier?: ConflictNotifier;
  unsubscribeConflicts?: () => void;
  unsubscribeAlerts?: () => void;
  showWhenReady: boolean;
}
const shell: Shell = { showWhenReady: false };

// Before `ready`: app:// must be privileged before any session exists.
registerAppScheme(protocol);
// A separate settings, data and single-instance lock directory (end-to-end tests, several
// instances on one development machine). Read here, at the edge, like the OUTPOST_* config vars.
const userDataOverride = process.env['OUTPOST_USER_DATA_DIR'];
if (userDataOverride) app.setPath('userData', path.resolve(userDataOverride));

if (!claimSingleInstance(app, () => showWindow())) {
  // Another Outpost runs for this user: it has been told to show its window.
  app.quit();
} else {
  main().catch((error: unknown) => fatal('Outpost could not start', error));
}

async function main(): Promise<void> {
  app.setAppUserModelId(APP_ID);
  // Outpost lives in the tray: closing the last window must not quit it.
  app.on('window-all-closed', () => undefined);
  await app.whenReady();

  const store = new ElectronStore<Record<string, unknown>>({
    name: 'settings',
    configFileMode: 0o600,
  });
  const settings = createDesktopSettings(store, createCredentialVault(safeStorage));
  shell.settings = settings;
  const layer = settings.configLayer();
  const config = await loadDesktopConfig(layer.patch);
  shell.logFile = dataLayout(config.dataDir).logFile;
  const logger = createLogger({ file: shell.logFile, level: config.log.level });
  shell.logger = logger;
  if (layer.problem)
    logger.warn({ event: 'app.central-password-unreadable', error: layer.problem });
  shell.quit = handleQuit({ app, logger, shutdown, exitCode: () => (shell.failed ? 1 : 0) });
  quitOnSystemShutdown({ app, powerMonitor, process, logger });

  secureSession(session.defaultSession);
  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents, logger));
  handleAppProtocol(protocol, rendererDir());
  shell.tray = new OutpostTray(
    {
      iconPath: (icon: TrayIcon) => iconFile(`tray-${icon}`),
      actions: trayActions(logger),
      openAtLogin: () => settings.openAtLogin(),
      onClick: () => togglePopup(),
    },
    trayView({
      state: { name: 'starting', since: new Date().toISOString() },
      outboxDepth: 0,
      openConflicts: 0,
      offlineSince: null,
    }),
  );
  if (settings.openAtLogin()) {
    // Re-applied at each start: the Linux entry names the executable, which updates may move.
    applyOpenAtLogin(true, loginItemHost()).catch((error: unknown) =>
      logger.warn({ event: 'app.login-item-failed', error }),
    );
  }

  shell.core = startCore(config, store, settings, logger);
  const instance = await shell.core;
  if (shell.quit.isQuitting()) return;
  await openShell(instance, logger);
  if (layer.problem) instance.handlers.raiseError(layer.problem);
}

/** Defaults (the data directory under userData) < environment < the settings store. */
function loadDesktopConfig(patch: ConfigPatch | undefined): Promise<Config> {
  return loadConfig({
    env: process.env,
    defaults: { dataDir: path.join(app.getPath('userData'), 'data') },
    overrides: patch,
  });
}

function startCore(
  config: Config,
  store: ElectronStore<Record<string, unknown>>,
  settings: DesktopSettings,
  logger: Logger,
): Promise<OutpostInstance> {
  return startOutpost({
    config,
    logger,
    env: process.env,
    identityStore: createElectronIdentityStore(store),
    configWriter: settings.configWriter,
    // A settings change is read back as the start read it: the store's layer on top.
    reloadConfig: () => loadDesktopConfig(settings.configLayer().patch),
    headless: false,
    // Packaged: <resources>/mongod/mongod[.exe] (electron-builder extraResources). From a
    // checkout: the default lookup (local.mongodPath, resources/, PATH).
    ...(app.isPackaged ? { resourcesDir: process.resourcesPath } : {}),
    // The window shows the UI; the loopback API serves the CLI only.
    uiDir: null,
  }).then(
    (instance) => {
      shell.instance = instance;
      return instance;
    },
    (error: unknown) => {
      logger.error({ event: 'app.start-failed', error });
      throw error;
    },
  );
}

async function openShell(instance: OutpostInstance, logger: Logger): Promise<void> {
  const window = new MainWindow({
    preload: preloadFile,
    url: APP_INDEX_URL,
    icon: iconFile('app'),
    isQuitting: () => shell.quit?.isQuitting() ?? false,
    logger,
  });
  shell.window = window;
  shell.ipc = registerBridgeIpc({
    ipcMain,
    handlers: instance.handlers,
    isTrusted: (event) => isTrustedSender(event, (contents) => window.isAppWebContents(contents)),
    eventTargets: () => window.liveWebContents(),
    logger,
  });
  shell.feed = watchStatus({
    getStatus: () => instance.handlers.calls['sync:get-status'](undefined),
    engine: instance.engine,
    onStatus: (status) => shell.tray?.render(trayView(status)),
    intervalMs: TRAY_REFRESH_MS,
    logger,
  });
  shell.notifier = new ConflictNotifier({
    show: electronNotifications(() => showWindow()),
  });
  shell.unsubscribeConflicts = instance.engine.onConflictOpened((key) => shell.notifier?.add(key));
  const notify = electronNotifications(() => showWindow());
  shell.unsubscribeAlerts = instance.alerts.on((alert) => {
    const text = alertNotificationText(alert);
    if (text) notify(text);
  });
  // Windows ends a session without a quit event: stop mongod as far as time allows.
  window.onSessionEnd(() => void shell.quit?.shutdown());
  await window
    .load()
    .catch((error: unknown) =>
      logger.error({ event: 'window.load-failed', url: APP_INDEX_URL, error }),
    );
  if (shell.showWhenReady || !launchedHidden(process.argv, loginItemHost())) showWindow();
}

/**
 * The quit sequence (run once, from `before-quit`): stop feeding the UI and the tray, wait for a
 * start still in progress, then `instance.stop()`: the API, the engine, the clients, and last
 * mongod, cleanly. lifecycle.ts then exits the process.
 */
async function shutdown(): Promise<void> {
  shell.feed?.stop();
  shell.notifier?.dispose();
  shell.unsubscribeConflicts?.();
  shell.unsubscribeAlerts?.();
  shell.ipc?.dispose();
  const instance = await shell.core?.catch(() => undefined);
  await instance?.stop();
  shell.tray?.destroy();
  shell.window?.destroy();
  shell.logger?.flush();
}

function showWindow(): void {
  if (shell.window) shell.window.show('full');
  else shell.showWhenReady = true;
}

/** A click on the tray icon toggles the window at popup size beside the icon. */
function togglePopup(): void {
  const { window, tray } = shell;
  if (!window || !tray) return;
  if (window.isVisible()) return window.hide();
  const anchor = tray.bounds();
  if (anchor.width === 0 || anchor.height === 0) return window.show('full');
  window.show('popup', { anchor, workArea: screen.getDisplayMatching(anchor).workArea });
}

function trayActions(logger: Logger) {
  /** Runs a bridge call for a tray item; a failure is shown like any other app error. */
  const run = (name: 'sync:run-now' | 'sync:pause' | 'sync:resume') => {
    const instance = shell.instance;
    if (!instance) return;
    instance.handlers
      .invoke(name, undefined)
      .catch((error: unknown) => {
        logger.warn({ event: 'tray.action-failed', call: name, error });
        instance.handlers.raiseError(error);
      })
      .finally(() => void shell.feed?.refresh());
  };
  return {
    open: () => showWindow(),
    syncNow: () => run('sync:run-now'),
    pause: () => run('sync:pause'),
    resume: () => run('sync:resume'),
    copyLocalConnectionString: () => {
      if (shell.instance) clipboard.writeText(shell.instance.localUri);
    },
    setOpenAtLogin: (enabled: boolean) => {
      shell.settings?.setOpenAtLogin(enabled);
      applyOpenAtLogin(enabled, loginItemHost())
        .catch((error: unknown) => logger.warn({ event: 'app.login-item-failed', error }))
        .finally(() => void shell.feed?.refresh());
    },
    quit: () => app.quit(),
  };
}

function loginItemHost(): LoginItemHost {
  return {
    app,
    platform: process.platform,
    execPath: process.execPath,
    env: process.env,
    homeDir: os.homedir(),
  };
}

/** Start-up failed: say so where the operator sees it, then quit (which stops what started). */
function fatal(title: string, error: unknown): void {
  shell.failed = true;
  const payload = toErrorPayload(error);
  shell.logger?.error({ event: 'app.fatal', error });
  // Quit during start-up: the start was abandoned on purpose, nothing to tell.
  if (shell.quit?.isQuitting()) return;
  shell.tray?.render(
    trayView({
      state: { name: 'error', since: new Date().toISOString(), error: payload },
      outboxDepth: 0,
      openConflicts: 0,
      offlineSince: null,
    }),
  );
  const logs = shell.logFile ? `\n\nDetails are in the log: ${shell.logFile}` : '';
  dialog.showErrorBox(title, `${payload.message} [${payload.code}]${logs}`);
  // With the quit handler in place, quitting stops whatever did start; before it, nothing has.
  if (shell.quit) app.quit();
  else app.exit(1);
}
