import { beforeEach, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../sync/logging/logger.js';
import { APP_INDEX_URL, CONTENT_SECURITY_POLICY } from './app-protocol.js';
import {
  BrowserWindow,
  FakeWebContents,
  resetFakeElectron,
  session,
} from './testing/fake-electron.js';
import {
  MainWindow,
  WINDOW_SIZES,
  hardenWebContents,
  mainWindowOptions,
  popupBounds,
  secureSession,
} from './window.js';

vi.mock('electron', () => import('./testing/fake-electron.js'));

beforeEach(() => resetFakeElectron());

function createWindow(isQuitting = () => false) {
  const window = new MainWindow({
    preload: '/app/dist/electron/preload.cjs',
    url: APP_INDEX_URL,
    isQuitting,
    logger: silentLogger(),
  });
  const fake = BrowserWindow.instances[0];
  if (!fake) throw new Error('no BrowserWindow was created');
  return { window, fake };
}

describe('mainWindowOptions', () => {
  it('isolates and sandboxes the page, without Node, with web security on', () => {
    const options = mainWindowOptions('/app/dist/electron/preload.cjs');
    expect(options.webPreferences).toMatchObject({
      preload: '/app/dist/electron/preload.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
    });
    expect(options.show).toBe(false);
  });

  it('is what the window is created with', () => {
    const { fake } = createWindow();
    expect(fake.options).toEqual(mainWindowOptions('/app/dist/electron/preload.cjs'));
  });
});

describe('hardenWebContents', () => {
  function hardened() {
    const contents = new FakeWebContents();
    hardenWebContents(contents as never, silentLogger());
    return contents;
  }

  it('denies every new window, https links included', () => {
    const contents = hardened();
    for (const url of ['https://example.com/', 'app://outpost/index.html', 'file:///etc/passwd']) {
      expect(contents.windowOpenHandler?.({ url })).toEqual({ action: 'deny' });
    }
  });

  it('denies navigation and redirects away from the app, allows its own pages', () => {
    const contents = hardened();
    for (const url of [
      'https://evil.example/',
      'file:///home/user/.ssh/id_rsa',
      'app://other/index.html',
      'http://127.0.0.1:27080/',
      'javascript:alert(1)',
    ]) {
      expect(contents.fire('will-navigate', url).defaultPrevented).toBe(true);
      expect(contents.fire('will-redirect', url).defaultPrevented).toBe(true);
    }
    expect(contents.fire('will-navigate', 'app://outpost/index.html').defaultPrevented).toBe(false);
    expect(contents.fire('will-navigate', 'app://outpost/conflicts').defaultPrevented).toBe(false);
  });

  it('refuses <webview>', () => {
    expect(hardened().fire('will-attach-webview').defaultPrevented).toBe(true);
  });
});

describe('secureSession', () => {
  it('adds the CSP header to every response, keeping the others', () => {
    secureSession(session.defaultSession as never);
    let result: { responseHeaders?: Record<string, string[]> } | undefined;
    session.defaultSession.headersListener?.(
      { responseHeaders: { 'Content-Type': ['text/html'] } },
      (response) => (result = response),
    );
    expect(result?.responseHeaders).toEqual({
      'Content-Type': ['text/html'],
      'Content-Security-Policy': [CONTENT_SECURITY_POLICY],
    });
    expect(CONTENT_SECURITY_POLICY).toContain("script-src 'self'");
    expect(CONTENT_SECURITY_POLICY).toContain("object-src 'none'");
    expect(CONTENT_SECURITY_POLICY).not.toContain('unsafe-eval');
  });

  it('refuses permissions except clipboard writes', () => {
    secureSession(session.defaultSession as never);
    const answers: Record<string, boolean> = {};
    for (const permission of [
      'media',
      'geolocation',
      'notifications',
      'clipboard-sanitized-write',
    ]) {
      session.defaultSession.permissionHandler?.(
        null,
        permission,
        (ok) => (answers[permission] = ok),
      );
    }
    expect(answers).toEqual({
      media: false,
      geolocation: false,
      notifications: false,
      'clipboard-sanitized-write': true,
    });
    expect(session.defaultSession.permissionCheck?.(null, 'media')).toBe(false);
  });
});

describe('MainWindow', () => {
  it('hides instead of closing, until the app quits', () => {
    let quitting = false;
    const { window, fake } = createWindow(() => quitting);
    window.show();
    expect(fake.close().defaultPrevented).toBe(true);
    expect(fake.visible).toBe(false);
    expect(fake.destroyed).toBe(false);
    quitting = true;
    expect(fake.close().defaultPrevented).toBe(false);
    expect(fake.destroyed).toBe(true);
  });

  it('loads the app page', async () => {
    const { window, fake } = createWindow();
    await window.load();
    expect(fake.loadedUrl).toBe('app://outpost/index.html');
  });

  it('shows at popup size beside the tray, and at full size when opened', () => {
    const { window, fake } = createWindow();
    const workArea = { x: 0, y: 0, width: 1920, height: 1040 };
    window.show('popup', { anchor: { x: 1800, y: 1045, width: 24, height: 24 }, workArea });
    expect(fake.bounds).toEqual({ ...WINDOW_SIZES.popup, x: 1540, y: 480 });
    expect(fake.visible && fake.focused).toBe(true);
    window.hide();
    window.show('full');
    expect(fake.getSize()).toEqual([WINDOW_SIZES.full.width, WINDOW_SIZES.full.height]);
    expect(fake.visible).toBe(true);
  });

  it('restores a minimised window when shown', () => {
    const { window, fake } = createWindow();
    fake.minimized = true;
    window.show();
    expect(fake.minimized).toBe(false);
  });

  it('knows its own web contents only', () => {
    const { window, fake } = createWindow();
    expect(window.isAppWebContents(fake.webContents as never)).toBe(true);
    expect(window.isAppWebContents(new FakeWebContents() as never)).toBe(false);
    expect(window.liveWebContents()).toEqual([fake.webContents]);
    fake.destroy();
    expect(window.isAppWebContents(fake.webContents as never)).toBe(false);
    expect(window.liveWebContents()).toEqual([]);
  });
});

describe('popupBounds', () => {
  const workArea = { x: 0, y: 0, width: 1920, height: 1040 };

  it('opens upwards from a bottom taskbar and downwards from a top bar', () => {
    expect(popupBounds({ x: 900, y: 1045, width: 24, height: 24 }, workArea).y).toBe(
      1040 - WINDOW_SIZES.popup.height,
    );
    expect(popupBounds({ x: 900, y: 0, width: 24, height: 24 }, { ...workArea, y: 24 }).y).toBe(24);
  });

  it('stays inside the work area at the screen edges', () => {
    const right = popupBounds({ x: 1910, y: 1045, width: 24, height: 24 }, workArea);
    expect(right.x + right.width).toBeLessThanOrEqual(1920);
    const left = popupBounds({ x: 0, y: 0, width: 24, height: 24 }, workArea);
    expect(left.x).toBe(0);
  });
});
