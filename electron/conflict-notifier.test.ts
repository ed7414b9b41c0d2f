import { ObjectId } from 'mongodb';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  ConflictNotifier,
  conflictNotificationText,
  describeDocumentId,
  electronNotifications,
} from './conflict-notifier.js';
import { Notification, resetFakeElectron } from './testing/fake-electron.js';

vi.mock('electron', () => import('./testing/fake-electron.js'));

beforeEach(() => {
  resetFakeElectron();
  vi.useFakeTimers();
});
afterEach(() => vi.useRealTimers());

describe('conflict notifications', () => {
  it('names the document of a single conflict', () => {
    expect(conflictNotificationText([{ db: 'pos', coll: 'products', id: 'sku-1' }])).toEqual({
      title: 'A sync conflict needs your decision',
      body:
        'products "sku-1" (pos) was changed here and at central. Open Outpost to choose which ' +
        'version to keep. Until then this site keeps its version and central keeps its own.',
    });
  });

  it('describes ids of every kind briefly', () => {
    expect(describeDocumentId(new ObjectId('65a1b2c3d4e5f60718293a4b'))).toBe(
      '65a1b2c3d4e5f60718293a4b',
    );
    expect(describeDocumentId(42)).toBe('42');
    expect(describeDocumentId({ store: 12, day: '2030-01-01' })).toBe(
      '{"store":12,"day":"2030-01-01"}',
    );
    expect(describeDocumentId('x'.repeat(100))).toHaveLength(42);
  });

  it('makes one notification for a burst, then starts again', async () => {
    const show = vi.fn();
    const notifier = new ConflictNotifier({ show, batchMs: 1_000 });
    notifier.add({ db: 'pos', coll: 'stock', id: 1 });
    notifier.add({ db: 'pos', coll: 'stock', id: 2 });
    notifier.add({ db: 'pos', coll: 'stock', id: 3 });
    expect(show).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(show).toHaveBeenCalledExactlyOnceWith({
      title: '3 sync conflicts need your decision',
      body: expect.stringContaining('Open Outpost') as unknown,
    });
    notifier.add({ db: 'pos', coll: 'stock', id: 4 });
    await vi.advanceTimersByTimeAsync(1_000);
    expect(show).toHaveBeenCalledTimes(2);
    notifier.add({ db: 'pos', coll: 'stock', id: 5 });
    notifier.dispose();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(show).toHaveBeenCalledTimes(2);
  });

  it('shows an Electron notification that opens the window on click', () => {
    const open = vi.fn();
    electronNotifications(open)({ title: 'T', body: 'B' });
    expect(Notification.shown).toHaveLength(1);
    Notification.shown[0]?.emit('click');
    expect(open).toHaveBeenCalledOnce();
    Notification.supported = false;
    electronNotifications(open)({ title: 'T', body: 'B' });
    expect(Notification.shown).toHaveLength(1);
  });
});
