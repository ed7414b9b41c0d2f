/**
 * A desktop notification when a conflict starts waiting for the operator (engine
 * `onConflictOpened`: manual strategy, unique-key clash, merge fallback). Conflicts arriving
 * together (a batch from one push) make one notification, not a burst.
 */
import { Notification } from 'electron';
import { plural } from '../sync/status/format.js';

export interface ConflictKey {
  db: string;
  coll: string;
  id: unknown;
}

export interface NotificationText {
  title: string;
  body: string;
}

export function describeDocumentId(id: unknown): string {
  if (typeof id === 'string') return `"${id.length > 40 ? `${id.slice(0, 39)}…` : id}"`;
  if (typeof id === 'number' || typeof id === 'bigint') return String(id);
  if (typeof id === 'object' && id !== null && 'toHexString' in id) {
    const hex = id.toHexString;
    if (typeof hex === 'function') return String((hex as () => string).call(id));
  }
  const json = JSON.stringify(id) ?? String(id);
  return json.length > 40 ? `${json.slice(0, 39)}…` : json;
}

export function conflictNotificationText(keys: readonly ConflictKey[]): NotificationText {
  const keep = 'Until then this site keeps its version and central keeps its own.';
  const [first] = keys;
  if (keys.length === 1 && first) {
    return {
      title: 'A sync conflict needs your decision',
      body:
        `${first.coll} ${describeDocumentId(first.id)} (${first.db}) was changed here and at ` +
        `central. Open Outpost to choose which version to keep. ${keep}`,
    };
  }
  return {
    title: `${plural(keys.length, 'sync conflict')} need your decision`,
    body: `Open Outpost to choose which versions to keep. ${keep}`,
  };
}

export interface ConflictNotifierOptions {
  show(text: NotificationText): void;
  /** Conflicts within this window after the first make one notification. */
  batchMs?: number;
}

export class ConflictNotifier {
  private pending: ConflictKey[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: ConflictNotifierOptions) {}

  add(key: ConflictKey): void {
    this.pending.push(key);
    this.timer ??= setTimeout(() => this.flush(), this.options.batchMs ?? 1_500);
  }

  private flush(): void {
    this.timer = undefined;
    const keys = this.pending;
    this.pending = [];
    if (keys.length > 0) this.options.show(conflictNotificationText(keys));
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.pending = [];
  }
}

/**
 * Shows a notification through Electron; a click runs `onClick` (open the window). The last
 * notification is kept referenced: one collected by GC loses its click handler.
 */
export function electronNotifications(onClick: () => void): (text: NotificationText) => void {
  let last: Notification | undefined;
  return (text) => {
    if (!Notification.isSupported()) return;
    last = new Notification({ title: text.title, body: text.body });
    last.on('click', onClick);
    last.show();
  };
}
