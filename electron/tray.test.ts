import { beforeEach, describe, expect, it, vi } from 'vitest';
import { EngineStateName, type EngineState } from '../sync/status/engine-state.js';
import {
  OutpostTray,
  TOOLTIP_MAX,
  TRAY_ICONS,
  roughDuration,
  trayView,
  type TrayActions,
  type TrayStatus,
} from './tray.js';
import { Tray, resetFakeElectron, type MenuItem } from './testing/fake-electron.js';

vi.mock('electron', () => import('./testing/fake-electron.js'));

const NOW = Date.parse('2030-05-01T12:00:00.000Z');
const since = new Date(NOW - 30_000).toISOString();

function state(name: EngineStateName): EngineState {
  switch (name) {
    case 'offline':
      return { name, since, reason: 'central unreachable: connect ECONNREFUSED' };
    case 'local-only':
      return { name, since, reason: 'No central connection string is configured.' };
    case 'error':
      return {
        name,
        since,
        error: { code: 'CENTRAL_UNREACHABLE', message: 'Authentication failed at central.' },
      };
    default:
      return { name, since };
  }
}

function status(name: EngineStateName, extra: Partial<TrayStatus> = {}): TrayStatus {
  return { state: state(name), outboxDepth: 0, openConflicts: 0, offlineSince: null, ...extra };
}

/** The expected icon and tooltip for every engine state (no conflicts waiting). */
const EXPECTED: Record<EngineStateName, { icon: string; tooltip: string }> = {
  idle: { icon: 'in-sync', tooltip: 'Outpost — in sync · 0 pending' },
  syncing: { icon: 'syncing', tooltip: 'Outpost — syncing · 0 pending' },
  starting: { icon: 'syncing', tooltip: 'Outpost — starting…' },
  'local-ready': { icon: 'syncing', tooltip: 'Outpost — starting…' },
  connecting: { icon: 'syncing', tooltip: 'Outpost — connecting to central… · 0 pending' },
  offline: {
    icon: 'offline',
    tooltip: 'Offline for less than a minute · 0 changes waiting — sales are safe',
  },
  paused: { icon: 'paused', tooltip: 'Outpost — paused · 0 changes waiting' },
  stopped: { icon: 'paused', tooltip: 'Outpost — stopped' },
  'local-only': {
    icon: 'paused',
    tooltip: 'Outpost — local only, not syncing: No central connection string is configured.',
  },
  error: { icon: 'error', tooltip: 'Outpost — error: Authentication failed at central.' },
};

describe('trayView', () => {
  it.each(Object.values(EngineStateName))('has an icon and a tooltip for "%s"', (name) => {
    const view = trayView(status(name), NOW);
    expect({ icon: view.icon, tooltip: view.tooltip }).toEqual(EXPECTED[name]);
    expect(TRAY_ICONS).toContain(view.icon);
  });

  it('uses every icon for some status', () => {
    const used = new Set(Object.values(EngineStateName).map((name) => trayView(status(name)).icon));
    used.add(trayView(status('idle', { openConflicts: 1 })).icon);
    expect([...used].sort()).toEqual([...TRAY_ICONS].sort());
  });

  it('says how long central has been unreachable and how much waits', () => {
    const view = trayView(
      status('offline', {
        outboxDepth: 42,
        offlineSince: new Date(NOW - 5 * 60_000 - 20_000).toISOString(),
      }),
      NOW,
    );
    expect(view.tooltip).toBe('Offline for 5 min · 42 changes waiting — sales are safe');
    expect(view.icon).toBe('offline');
  });

  it('counts pending changes when in sync or syncing', () => {
    expect(trayView(status('idle', { outboxDepth: 3 }), NOW).tooltip).toBe(
      'Outpost — in sync · 3 pending',
    );
    expect(trayView(status('syncing', { outboxDepth: 120 }), NOW).tooltip).toBe(
      'Outpost — syncing · 120 pending',
    );
  });

  it('shows conflicts waiting over any state but error', () => {
    for (const name of Object.values(EngineStateName)) {
      const view = trayView(status(name, { openConflicts: 2, outboxDepth: 1 }), NOW);
      if (name === 'error') {
        expect(view.icon).toBe('error');
        continue;
      }
      expect(view.icon).toBe('conflicts');
      expect(view.tooltip).toMatch(/^Outpost — 2 conflicts waiting for you · /);
    }
    expect(trayView(status('idle', { openConflicts: 1 }), NOW).tooltip).toBe(
      'Outpost — 1 conflict waiting for you · in sync · 0 pending',
    );
  });

  it('keeps tooltips within the 127 characters Windows shows', () => {
    const long = trayView(
      {
        ...status('error'),
        state: { name: 'error', since, error: { code: 'INTERNAL', message: 'x'.repeat(400) } },
      },
      NOW,
    );
    expect(long.tooltip).toHaveLength(TOOLTIP_MAX);
    expect(long.tooltip.endsWith('…')).toBe(true);
  });

  it('offers pause, resume and sync now only where they apply', () => {
    expect(trayView(status('idle'))).toMatchObject({
      paused: false,
      canPause: true,
      canSyncNow: true,
    });
    expect(trayView(status('paused'))).toMatchObject({
      paused: true,
      canPause: true,
      canSyncNow: false,
    });
    expect(trayView(status('local-only'))).toMatchObject({ canPause: false, canSyncNow: false });
    expect(trayView(status('error'))).toMatchObject({ canPause: false, canSyncNow: false });
  });

  it('rounds durations to what a tooltip needs', () => {
    expect(roughDuration(59_000)).toBe('less than a minute');
    expect(roughDuration(60_000)).toBe('1 min');
    expect(roughDuration(125 * 60_000)).toBe('2 h 5 min');
    expect(roughDuration(3 * 60 * 60_000)).toBe('3 h');
    expect(roughDuration(72 * 60 * 60_000)).toBe('3 days');
    expect(roughDuration(-5)).toBe('less than a minute');
  });
});

describe('OutpostTray', () => {
  beforeEach(() => resetFakeElectron());

  function setup(initial = status('starting')) {
    const actions: TrayActions = {
      open: vi.fn(),
      syncNow: vi.fn(),
      pause: vi.fn(),
      resume: vi.fn(),
      copyLocalConnectionString: vi.fn(),
      setOpenAtLogin: vi.fn(),
      quit: vi.fn(),
    };
    let openAtLogin = false;
    const onClick = vi.fn();
    const tray = new OutpostTray(
      {
        iconPath: (icon) => `/icons/tray-${icon}.png`,
        actions,
        openAtLogin: () => openAtLogin,
        onClick,
      },
      trayView(initial, NOW),
    );
    const fake = Tray.instances[0];
    if (!fake) throw new Error('no tray was created');
    const item = (label: string | RegExp): MenuItem => {
      const found = fake.menu?.items.find((entry) =>
        typeof label === 'string' ? entry.label === label : label.test(entry.label ?? ''),
      );
      if (!found) throw new Error(`no menu item ${String(label)}`);
      return found;
    };
    return {
      tray,
      fake,
      actions,
      item,
      onClick,
      setOpenAtLogin: (v: boolean) => (openAtLogin = v),
    };
  }

  it('renders icon, tooltip and menu for every state', () => {
    const { tray, fake } = setup();
    for (const name of Object.values(EngineStateName)) {
      tray.render(trayView(status(name), NOW));
      expect(fake.image.file).toBe(`/icons/tray-${EXPECTED[name].icon}.png`);
      expect(fake.tooltip).toBe(EXPECTED[name].tooltip);
      expect(fake.menu?.items.map((entry) => entry.label ?? entry.type)).toEqual([
        'Open Outpost',
        'separator',
        'Sync now',
        name === 'paused' ? 'Resume sync' : 'Pause sync',
        'Copy local connection string',
        'separator',
        'Start Outpost at login',
        'separator',
        'Quit Outpost',
      ]);
    }
  });

  it('flips Pause and Resume with the state, and runs the matching action', () => {
    const { tray, item, actions } = setup(status('idle'));
    item('Pause sync').click?.({ checked: false });
    expect(actions.pause).toHaveBeenCalledOnce();
    tray.render(trayView(status('paused'), NOW));
    item('Resume sync').click?.({ checked: false });
    expect(actions.resume).toHaveBeenCalledOnce();
    expect(actions.pause).toHaveBeenCalledOnce();
  });

  it('wires Open, Sync now, Copy, Start at login and Quit', () => {
    const { item, actions, tray, setOpenAtLogin } = setup(status('idle'));
    item('Open Outpost').click?.({ checked: false });
    item('Sync now').click?.({ checked: false });
    item('Copy local connection string').click?.({ checked: false });
    expect(item('Start Outpost at login').checked).toBe(false);
    item('Start Outpost at login').click?.({ checked: true });
    item('Quit Outpost').click?.({ checked: false });
    expect(actions.open).toHaveBeenCalledOnce();
    expect(actions.syncNow).toHaveBeenCalledOnce();
    expect(actions.copyLocalConnectionString).toHaveBeenCalledOnce();
    expect(actions.setOpenAtLogin).toHaveBeenCalledWith(true);
    expect(actions.quit).toHaveBeenCalledOnce();
    setOpenAtLogin(true);
    tray.render(trayView(status('idle'), NOW));
    expect(item('Start Outpost at login').checked).toBe(true);
  });

  it('disables Sync now and Pause while sync cannot run', () => {
    const { item } = setup(status('local-only'));
    expect(item('Sync now').enabled).toBe(false);
    expect(item('Pause sync').enabled).toBe(false);
  });

  it('only touches what changed', () => {
    const { tray, fake } = setup(status('idle'));
    const before = { images: fake.imageSets, menus: fake.menuSets };
    tray.render(trayView(status('idle', { outboxDepth: 5 }), NOW));
    expect(fake.tooltip).toBe('Outpost — in sync · 5 pending');
    expect(fake.imageSets).toBe(before.images);
    expect(fake.menuSets).toBe(before.menus);
    tray.render(trayView(status('syncing', { outboxDepth: 5 }), NOW));
    expect(fake.imageSets).toBe(before.images + 1);
  });

  it('passes clicks on the icon on, and is gone after destroy', () => {
    const { tray, fake, onClick } = setup();
    fake.emit('click');
    expect(onClick).toHaveBeenCalledOnce();
    tray.destroy();
    expect(fake.destroyed).toBe(true);
    tray.render(trayView(status('error'), NOW));
    expect(fake.image.file).toBe('/icons/tray-syncing.png');
  });
});
