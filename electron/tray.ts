/**
 * The tray icon: one small class that renders a view computed from the sync status (after
 * Signal Desktop's SystemTrayService). `trayView` decides icon, tooltip and which actions make
 * sense; `OutpostTray.render` only applies what changed.
 */
import { Menu, Tray, nativeImage, type MenuItemConstructorOptions } from 'electron';
import type { EngineState } from '../sync/status/engine-state.js';
import { plural } from '../sync/status/format.js';

/** One PNG per icon in resources/icons (scripts/make-icons.mjs), plus a @2x for HiDPI. */
export const TRAY_ICONS = [
  'in-sync',
  'syncing',
  'offline',
  'conflicts',
  'error',
  'paused',
] as const;
export type TrayIcon = (typeof TRAY_ICONS)[number];

/** What the tray shows, from `sync:get-status`. */
export interface TrayStatus {
  state: EngineState;
  outboxDepth: number;
  openConflicts: number;
  /** Start of the current central outage (StatusView.offlineSince). */
  offlineSince: string | null;
}

export interface TrayView {
  icon: TrayIcon;
  tooltip: string;
  /** The pause item reads "Resume sync" when true. */
  paused: boolean;
  canPause: boolean;
  canSyncNow: boolean;
}

/** Windows cuts tray tooltips at 127 characters. */
export const TOOLTIP_MAX = 127;

const ACTIVE: ReadonlySet<EngineState['name']> = new Set([
  'connecting',
  'syncing',
  'idle',
  'offline',
]);

export function trayView(status: TrayStatus, now: number = Date.now()): TrayView {
  const { state } = status;
  const base = {
    paused: state.name === 'paused',
    canPause: ACTIVE.has(state.name) || state.name === 'paused' || state.name === 'local-ready',
    canSyncNow: ACTIVE.has(state.name),
  };
  if (state.name === 'error') {
    return { ...base, icon: 'error', tooltip: clip(`Outpost — error: ${state.error.message}`) };
  }
  const summary = stateSummary(status, now);
  if (status.openConflicts > 0) {
    const conflicts = `${plural(status.openConflicts, 'conflict')} waiting for you`;
    return { ...base, icon: 'conflicts', tooltip: clip(`Outpost — ${conflicts} · ${summary}`) };
  }
  // The offline sentence is long: it goes without the name (tooltips are cut at 127 characters).
  const tooltip = state.name === 'offline' ? capitalize(summary) : `Outpost — ${summary}`;
  return { ...base, icon: iconFor(state.name), tooltip: clip(tooltip) };
}

function iconFor(state: EngineState['name']): TrayIcon {
  switch (state) {
    case 'idle':
      return 'in-sync';
    case 'offline':
      return 'offline';
    case 'error':
      return 'error';
    case 'paused':
    case 'stopped':
    case 'local-only':
      return 'paused';
    case 'starting':
    case 'local-ready':
    case 'connecting':
    case 'syncing':
      return 'syncing';
  }
}

function stateSummary(status: TrayStatus, now: number): string {
  const { state, outboxDepth } = status;
  const pending = `${outboxDepth} pending`;
  switch (state.name) {
    case 'idle':
      return `in sync · ${pending}`;
    case 'syncing':
      return `syncing · ${pending}`;
    case 'offline': {
      const since = Date.parse(status.offlineSince ?? state.since);
      return (
        `offline for ${roughDuration(now - since)} · ` +
        `${plural(outboxDepth, 'change')} waiting — sales are safe`
      );
    }
    case 'paused':
      return `paused · ${plural(outboxDepth, 'change')} waiting`;
    case 'starting':
    case 'local-ready':
      return 'starting…';
    case 'connecting':
      return `connecting to central… · ${pending}`;
    case 'stopped':
      return 'stopped';
    case 'local-only':
      return `local only, not syncing: ${state.reason}`;
    case 'error':
      return `error: ${state.error.message}`;
  }
}

/** "less than a minute", "5 min", "2 h 5 min", "3 days": a tooltip needs no seconds. */
export function roughDuration(ms: number): string {
  const minutes = Math.floor(Math.max(0, ms) / 60_000);
  if (minutes < 1) return 'less than a minute';
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return minutes % 60 === 0 ? `${hours} h` : `${hours} h ${minutes % 60} min`;
  return `${Math.floor(hours / 24)} days`;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function clip(text: string): string {
  return text.length <= TOOLTIP_MAX ? text : `${text.slice(0, TOOLTIP_MAX - 1)}…`;
}

export interface TrayActions {
  open(): void;
  syncNow(): void;
  pause(): void;
  resume(): void;
  copyLocalConnectionString(): void;
  setOpenAtLogin(enabled: boolean): void;
  quit(): void;
}

export function trayMenu(
  view: TrayView,
  actions: TrayActions,
  openAtLogin: boolean,
): MenuItemConstructorOptions[] {
  return [
    { label: 'Open Outpost', click: () => actions.open() },
    { type: 'separator' },
    { label: 'Sync now', enabled: view.canSyncNow, click: () => actions.syncNow() },
    {
      label: view.paused ? 'Resume sync' : 'Pause sync',
      enabled: view.canPause,
      click: () => (view.paused ? actions.resume() : actions.pause()),
    },
    { label: 'Copy local connection string', click: () => actions.copyLocalConnectionString() },
    { type: 'separator' },
    {
      label: 'Start Outpost at login',
      type: 'checkbox',
      checked: openAtLogin,
      click: (item) => actions.setOpenAtLogin(item.checked),
    },
    { type: 'separator' },
    { label: 'Quit Outpost', click: () => actions.quit() },
  ];
}

export interface OutpostTrayOptions {
  iconPath(icon: TrayIcon): string;
  actions: TrayActions;
  openAtLogin(): boolean;
  /** A click on the icon (Windows, most Linux desktops); macOS opens the menu instead. */
  onClick(): void;
}

export class OutpostTray {
  private readonly tray: Tray;
  private shown: { icon?: TrayIcon; tooltip?: string; menu?: string } = {};

  constructor(
    private readonly options: OutpostTrayOptions,
    initial: TrayView,
  ) {
    this.tray = new Tray(nativeImage.createFromPath(options.iconPath(initial.icon)));
    this.shown.icon = initial.icon;
    this.tray.on('click', () => options.onClick());
    this.render(initial);
  }

  render(view: TrayView): void {
    if (this.tray.isDestroyed()) return;
    if (view.icon !== this.shown.icon) {
      this.tray.setImage(nativeImage.createFromPath(this.options.iconPath(view.icon)));
      this.shown.icon = view.icon;
    }
    if (view.tooltip !== this.shown.tooltip) {
      this.tray.setToolTip(view.tooltip);
      this.shown.tooltip = view.tooltip;
    }
    const openAtLogin = this.options.openAtLogin();
    const menuKey = JSON.stringify([view.paused, view.canPause, view.canSyncNow, openAtLogin]);
    if (menuKey !== this.shown.menu) {
      this.tray.setContextMenu(
        Menu.buildFromTemplate(trayMenu(view, this.options.actions, openAtLogin)),
      );
      this.shown.menu = menuKey;
    }
  }

  /** Where the icon is on screen (for placing the popup window); empty on some Linux desktops. */
  bounds() {
    return this.tray.getBounds();
  }

  destroy(): void {
    if (!this.tray.isDestroyed()) this.tray.destroy();
  }
}
