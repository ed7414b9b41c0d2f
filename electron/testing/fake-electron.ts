/**
 * A stand-in for the `electron` module in unit tests (`vi.mock('electron', () =>
 * import('./testing/fake-electron.js'))`): no Electron binary exists on the development machines
 * (ENVIRONMENT.md). Each fake records what the shell asked of it; `resetFakeElectron()` starts a
 * test from a clean slate. Only what the shell uses is modelled.
 */
import { EventEmitter } from 'node:events';

type Listener = (...args: never[]) => unknown;

/** An Electron-style event: `preventDefault()` marks it. */
export class FakeEvent {
  defaultPrevented = false;
  preventDefault(): void {
    this.defaultPrevented = true;
  }
}

class Emitter extends EventEmitter {
  /** Emits `name` with a FakeEvent first, as Electron does, and returns the event. */
  fire(name: string, ...args: unknown[]): FakeEvent {
    const event = new FakeEvent();
    this.emit(name, event, ...args);
    return event;
  }
}

export const calls: string[] = [];

class FakeApp extends Emitter {
  singleInstanceLock = true;
  isPackaged = false;
  ready: Promise<void> = Promise.resolve();
  exitCodes: number[] = [];
  quitCount = 0;
  loginItem: unknown[] = [];
  wasOpenedAtLogin = false;
  userData = '/tmp/outpost-fake-user-data';
  appPath = '/opt/Outpost/resources/app.asar';

  reset(): void {
    this.removeAllListeners();
    this.singleInstanceLock = true;
    this.isPackaged = false;
    this.ready = Promise.resolve();
    this.exitCodes = [];
    this.quitCount = 0;
    this.loginItem = [];
    this.wasOpenedAtLogin = false;
  }

  requestSingleInstanceLock = (): boolean => this.singleInstanceLock;
  whenReady = (): Promise<void> => this.ready;
  getPath = (name: string): string => (name === 'userData' ? this.userData : `/tmp/${name}`);
  setPath = (name: string, value: string): void => {
    if (name === 'userData') this.userData = value;
  };
  getAppPath = (): string => this.appPath;
  getVersion = (): string => '0.1.0';
  setAppUserModelId = (_id: string): void => undefined;
  setLoginItemSettings = (settings: unknown): void => {
    this.loginItem.push(settings);
  };
  getLoginItemSettings = () => ({ wasOpenedAtLogin: this.wasOpenedAtLogin, openAtLogin: false });
  quit = (): void => {
    this.quitCount++;
    calls.push('app.quit');
    // Electron emits before-quit; a handler may prevent the quit.
    const event = this.fire('before-quit');
    if (!event.defaultPrevented) this.emit('will-quit', new FakeEvent());
  };
  exit = (code = 0): void => {
    calls.push(`app.exit:${code}`);
    this.exitCodes.push(code);
  };
}

export const app = new FakeApp();

export class FakeWebContents extends Emitter {
  static nextId = 1;
  readonly id = FakeWebContents.nextId++;
  destroyed = false;
  sent: { channel: string; args: unknown[] }[] = [];
  windowOpenHandler: ((details: { url: string }) => { action: string }) | undefined;
  mainFrame = { url: 'app://outpost/index.html', parent: null };

  isDestroyed = (): boolean => this.destroyed;
  send = (channel: string, ...args: unknown[]): void => {
    this.sent.push({ channel, args });
  };
  setWindowOpenHandler = (handler: (details: { url: string }) => { action: string }): void => {
    this.windowOpenHandler = handler;
  };
}

export class BrowserWindow extends Emitter {
  static instances: BrowserWindow[] = [];
  readonly webContents = new FakeWebContents();
  visible = false;
  minimized = false;
  destroyed = false;
  focused = false;
  bounds = { x: 0, y: 0, width: 0, height: 0 };
  loadedUrl: string | undefined;

  constructor(readonly options: Record<string, unknown>) {
    super();
    this.bounds.width = Number(options['width'] ?? 800);
    this.bounds.height = Number(options['height'] ?? 600);
    BrowserWindow.instances.push(this);
  }

  loadURL = (url: string): Promise<void> => {
    this.loadedUrl = url;
    return Promise.resolve();
  };
  show = (): void => {
    this.visible = true;
  };
  hide = (): void => {
    this.visible = false;
  };
  focus = (): void => {
    this.focused = true;
  };
  isVisible = (): boolean => this.visible;
  isMinimized = (): boolean => this.minimized;
  restore = (): void => {
    this.minimized = false;
  };
  isDestroyed = (): boolean => this.destroyed;
  destroy = (): void => {
    this.destroyed = true;
    this.webContents.destroyed = true;
  };
  setBounds = (bounds: { x: number; y: number; width: number; height: number }): void => {
    this.bounds = { ...bounds };
  };
  getSize = (): number[] => [this.bounds.width, this.bounds.height];
  setSize = (width: number, height: number): void => {
    this.bounds.width = width;
    this.bounds.height = height;
  };
  center = (): void => undefined;
  /** What a click on the window's close button does. */
  close = (): FakeEvent => {
    const event = this.fire('close');
    if (!event.defaultPrevented) this.destroy();
    return event;
  };
}

export interface MenuItem {
  label?: string;
  type?: string;
  enabled?: boolean;
  checked?: boolean;
  click?: (item: { checked: boolean }) => void;
}

export const Menu = {
  buildFromTemplate: (template: MenuItem[]) => ({ items: template }),
};

export const nativeImage = {
  createFromPath: (file: string) => ({ file }),
};

export class Tray extends Emitter {
  static instances: Tray[] = [];
  image: { file: string };
  tooltip = '';
  menu: { items: MenuItem[] } | undefined;
  destroyed = false;
  imageSets = 0;
  menuSets = 0;
  trayBounds = { x: 1800, y: 1050, width: 24, height: 24 };

  constructor(image: { file: string }) {
    super();
    this.image = image;
    Tray.instances.push(this);
  }

  setImage = (image: { file: string }): void => {
    this.imageSets++;
    this.image = image;
  };
  setToolTip = (text: string): void => {
    this.tooltip = text;
  };
  setContextMenu = (menu: { items: MenuItem[] }): void => {
    this.menuSets++;
    this.menu = menu;
  };
  getBounds = () => this.trayBounds;
  isDestroyed = (): boolean => this.destroyed;
  destroy = (): void => {
    calls.push('tray.destroy');
    this.destroyed = true;
  };
}

export class Notification extends Emitter {
  static supported = true;
  static shown: Notification[] = [];
  static isSupported = (): boolean => Notification.supported;

  constructor(readonly options: { title: string; body: string }) {
    super();
  }

  show = (): void => {
    Notification.shown.push(this);
  };
}

class FakeIpcMain {
  handlers = new Map<string, Listener>();
  handle = (channel: string, listener: Listener): void => {
    if (this.handlers.has(channel)) throw new Error(`second handler for ${channel}`);
    this.handlers.set(channel, listener);
  };
  removeHandler = (channel: string): void => {
    this.handlers.delete(channel);
  };
}
export const ipcMain = new FakeIpcMain();

class FakeIpcRenderer extends EventEmitter {
  invocations: unknown[][] = [];
  reply: (channel: string, ...args: unknown[]) => unknown = () => ({ ok: true, result: null });
  invoke = (channel: string, ...args: unknown[]): Promise<unknown> => {
    this.invocations.push([channel, ...args]);
    return Promise.resolve().then(() => this.reply(channel, ...args));
  };
  sendSync = (): never => {
    throw new Error('sendSync must never be used');
  };
  send = (): never => {
    throw new Error('the bridge uses invoke, not send');
  };
}
export const ipcRenderer = new FakeIpcRenderer();

export const exposed = new Map<string, unknown>();
export const contextBridge = {
  exposeInMainWorld: (key: string, api: unknown): void => {
    if (exposed.has(key)) throw new Error(`${key} exposed twice`);
    exposed.set(key, api);
  },
};

/** Reversible stand-in for OS encryption: never the clear text, always recoverable. */
export const safeStorage = {
  available: true,
  backend: 'gnome_libsecret' as string,
  isEncryptionAvailable: (): boolean => safeStorage.available,
  getSelectedStorageBackend: () => safeStorage.backend as 'gnome_libsecret',
  encryptString: (text: string): Buffer =>
    Buffer.from(`sealed:${Buffer.from(text).toString('hex')}`),
  decryptString: (data: Buffer): string => {
    const text = data.toString();
    if (!text.startsWith('sealed:')) throw new Error('Error while decrypting the ciphertext');
    return Buffer.from(text.slice('sealed:'.length), 'hex').toString();
  },
};

export const clipboard = {
  text: '',
  writeText: (text: string): void => {
    clipboard.text = text;
  },
};

export const dialog = {
  errors: [] as { title: string; content: string }[],
  showErrorBox: (title: string, content: string): void => {
    dialog.errors.push({ title, content });
  },
};

export const powerMonitor = new Emitter();

export const protocol = {
  privileged: [] as unknown[],
  handlers: new Map<string, (request: Request) => Promise<Response>>(),
  registerSchemesAsPrivileged: (schemes: unknown[]): void => {
    protocol.privileged.push(...schemes);
  },
  handle: (scheme: string, handler: (request: Request) => Promise<Response>): void => {
    protocol.handlers.set(scheme, handler);
  },
};

export const screen = {
  getDisplayMatching: () => ({ workArea: { x: 0, y: 0, width: 1920, height: 1040 } }),
};

type HeadersListener = (
  details: { responseHeaders?: Record<string, string[]> },
  callback: (response: { responseHeaders?: Record<string, string[]> }) => void,
) => void;
type PermissionHandler = (
  contents: unknown,
  permission: string,
  callback: (ok: boolean) => void,
) => void;
type PermissionCheck = (contents: unknown, permission: string) => boolean;

export const session = {
  defaultSession: {
    headersListener: undefined as HeadersListener | undefined,
    permissionHandler: undefined as PermissionHandler | undefined,
    permissionCheck: undefined as PermissionCheck | undefined,
    webRequest: {
      onHeadersReceived: (listener: HeadersListener): void => {
        session.defaultSession.headersListener = listener;
      },
    },
    setPermissionRequestHandler: (handler: PermissionHandler): void => {
      session.defaultSession.permissionHandler = handler;
    },
    setPermissionCheckHandler: (handler: PermissionCheck): void => {
      session.defaultSession.permissionCheck = handler;
    },
  },
};

export function resetFakeElectron(): void {
  calls.length = 0;
  app.reset();
  ipcMain.handlers.clear();
  ipcRenderer.removeAllListeners();
  ipcRenderer.invocations = [];
  ipcRenderer.reply = () => ({ ok: true, result: null });
  powerMonitor.removeAllListeners();
  exposed.clear();
  BrowserWindow.instances = [];
  Tray.instances = [];
  Notification.shown = [];
  Notification.supported = true;
  safeStorage.available = true;
  safeStorage.backend = 'gnome_libsecret';
  clipboard.text = '';
  dialog.errors = [];
  protocol.privileged = [];
  protocol.handlers.clear();
}
