/**
 * The app's one window and the rules every web page in the app runs under: context isolation,
 * sandbox, no Node, a CSP header, no navigation away from the app, no new windows, no
 * permissions but clipboard writes. Closing the window hides it: Outpost lives in the tray and
 * keeps syncing.
 * https://www.electronjs.org/docs/latest/tutorial/security#checklist-security-recommendations
 */
import {
  BrowserWindow,
  type BrowserWindowConstructorOptions,
  type Rectangle,
  type Session,
  type WebContents,
} from 'electron';
import type { Logger } from '../sync/logging/logger.js';
import { CONTENT_SECURITY_POLICY, isAppUrl } from './app-protocol.js';

/** Full size for work at a desk; popup size beside the tray icon (the UI reads at both). */
export const WINDOW_SIZES = {
  full: { width: 1100, height: 760 },
  popup: { width: 380, height: 560 },
} as const;
export type WindowMode = keyof typeof WINDOW_SIZES;

export function mainWindowOptions(preload: string, icon?: string): BrowserWindowConstructorOptions {
  return {
    ...WINDOW_SIZES.full,
    minWidth: WINDOW_SIZES.popup.width,
    minHeight: 420,
    show: false,
    title: 'Outpost',
    autoHideMenuBar: true,
    ...(icon ? { icon } : {}),
    webPreferences: {
      preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
      navigateOnDragDrop: false,
      spellcheck: false,
    },
  };
}

/**
 * Applied to every web contents the app creates (main.ts: `web-contents-created`): nothing may
 * navigate away from the app's origin, open a window or attach a <webview>.
 */
export function hardenWebContents(contents: WebContents, logger: Logger): void {
  contents.setWindowOpenHandler(({ url }) => {
    logger.warn({ event: 'window.open-denied', url });
    return { action: 'deny' };
  });
  contents.on('will-navigate', (event, url) => {
    if (isAppUrl(url)) return;
    event.preventDefault();
    logger.warn({ event: 'window.navigation-denied', url });
  });
  contents.on('will-redirect', (event, url) => {
    if (isAppUrl(url)) return;
    event.preventDefault();
    logger.warn({ event: 'window.redirect-denied', url });
  });
  contents.on('will-attach-webview', (event) => {
    event.preventDefault();
    logger.warn({ event: 'window.webview-denied' });
  });
}

/**
 * The CSP as a response header on everything the session loads (the app:// handler sets it too),
 * and every permission request refused except writing to the clipboard (the settings view's
 * "copy connection string").
 */
export function secureSession(session: Session): void {
  session.webRequest.onHeadersReceived((details, callback) => {
    callback({
      responseHeaders: {
        ...details.responseHeaders,
        'Content-Security-Policy': [CONTENT_SECURITY_POLICY],
      },
    });
  });
  session.setPermissionRequestHandler((_contents, permission, callback) => {
    callback(permission === 'clipboard-sanitized-write');
  });
  session.setPermissionCheckHandler(
    (_contents, permission) => permission === 'clipboard-sanitized-write',
  );
}

/** Where a popup-size window goes: beside the tray icon, inside the screen's work area. */
export function popupBounds(tray: Rectangle, workArea: Rectangle): Rectangle {
  const { width, height } = WINDOW_SIZES.popup;
  const clamp = (value: number, min: number, max: number) =>
    Math.round(Math.max(min, Math.min(value, max)));
  // A taskbar at the bottom puts the icon in the lower half: open upwards; else downwards.
  const below = tray.y + tray.height / 2 < workArea.y + workArea.height / 2;
  return {
    width,
    height,
    x: clamp(tray.x + tray.width / 2 - width / 2, workArea.x, workArea.x + workArea.width - width),
    y: clamp(
      below ? tray.y + tray.height : tray.y - height,
      workArea.y,
      workArea.y + workArea.height - height,
    ),
  };
}

export interface MainWindowOptions {
  preload: string;
  url: string;
  icon?: string | undefined;
  /** True once the app is quitting: then a close really closes. */
  isQuitting(): boolean;
  logger: Logger;
}

export class MainWindow {
  readonly window: BrowserWindow;

  constructor(private readonly options: MainWindowOptions) {
    this.window = new BrowserWindow(mainWindowOptions(options.preload, options.icon));
    this.window.on('close', (event) => {
      if (options.isQuitting()) return;
      event.preventDefault();
      this.window.hide();
    });
  }

  load(): Promise<void> {
    return this.window.loadURL(this.options.url);
  }

  /** The page's web contents while the window exists (Electron throws on a destroyed one). */
  liveWebContents(): WebContents[] {
    return this.window.isDestroyed() ? [] : [this.window.webContents];
  }

  /** Runs `listener` when Windows ends the session (log off, shutdown): no quit event follows. */
  onSessionEnd(listener: () => void): void {
    this.window.on('session-end', listener);
  }

  isAppWebContents(contents: WebContents): boolean {
    return !this.window.isDestroyed() && contents === this.window.webContents;
  }

  /** Shows and focuses the window; `popup` places it, at popup size, beside `anchor`. */
  show(mode: WindowMode = 'full', placement?: { anchor: Rectangle; workArea: Rectangle }): void {
    if (this.window.isDestroyed()) return;
    if (mode === 'popup' && placement) {
      this.window.setBounds(popupBounds(placement.anchor, placement.workArea));
    } else if (mode === 'full') {
      const [width = 0, height = 0] = this.window.getSize();
      if (width < WINDOW_SIZES.full.width || height < WINDOW_SIZES.full.height) {
        this.window.setSize(WINDOW_SIZES.full.width, WINDOW_SIZES.full.height);
        this.window.center();
      }
    }
    if (this.window.isMinimized()) this.window.restore();
    this.window.show();
    this.window.focus();
  }

  isVisible(): boolean {
    return !this.window.isDestroyed() && this.window.isVisible();
  }

  hide(): void {
    if (!this.window.isDestroyed()) this.window.hide();
  }

  destroy(): void {
    if (!this.window.isDestroyed()) this.window.destroy();
  }
}
