import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../logging/logger.js';
import { alertKind, alertsBetween, HealthAlerts, type Alert } from './alerts.js';
import type { HealthCheckName, HealthReport, HealthStatus } from './health.js';

function report(statuses: Partial<Record<HealthCheckName, HealthStatus>>): HealthReport {
  return {
    status: 'pass',
    instanceId: 'op-1',
    checkedAt: '2026-12-07T10:00:00.000Z',
    checks: Object.entries(statuses).map(([name, status]) => ({
      name: name as HealthCheckName,
      label: name,
      status,
      message: `${name} is ${status}`,
    })),
  };
}

describe('alertsBetween', () => {
  it('announces only failures at the first look: a warning then is how the site is set up', () => {
    const first = alertsBetween(
      undefined,
      report({ 'central-database': 'warn', 'disk-space': 'fail', worker: 'pass' }),
    );
    expect(first.alerts.map((a) => [a.check, a.status, a.previous])).toEqual([
      ['disk-space', 'fail', 'pass'],
    ]);
    expect([...first.quiet]).toEqual(['central-database']);
    // That warning passing later is no news (it was never announced); failing later is.
    const before = new Map<HealthCheckName, HealthStatus>([
      ['central-database', 'warn'],
      ['disk-space', 'fail'],
    ]);
    const passed = alertsBetween(
      before,
      report({ 'central-database': 'pass', 'disk-space': 'fail' }),
      first.quiet,
    );
    expect(passed).toEqual({ alerts: [], quiet: new Set() });
    const failed = alertsBetween(
      before,
      report({ 'central-database': 'fail', 'disk-space': 'fail' }),
      first.quiet,
    );
    expect(failed.alerts.map((a) => [a.check, alertKind(a)])).toEqual([
      ['central-database', 'raised'],
    ]);
  });

  it('announces each change afterwards: raised, eased and cleared', () => {
    const before = new Map<HealthCheckName, HealthStatus>([
      ['queue-size', 'pass'],
      ['central-database', 'fail'],
      ['sync-lag', 'warn'],
    ]);
    const { alerts } = alertsBetween(
      before,
      report({
        'queue-size': 'warn',
        'central-database': 'warn',
        'sync-lag': 'pass',
        worker: 'pass',
      }),
    );
    expect(alerts.map((a) => [a.check, alertKind(a)])).toEqual([
      ['queue-size', 'raised'],
      ['central-database', 'eased'],
      ['sync-lag', 'cleared'],
    ]);
  });
});

describe('HealthAlerts', () => {
  const servers: { close(): void }[] = [];
  afterEach(() => {
    for (const server of servers.splice(0)) server.close();
  });

  /** A webhook receiver on loopback that answers `statuses` in turn (then 204). */
  async function receiver(statuses: number[] = []) {
    const bodies: unknown[] = [];
    const server = createServer((req: IncomingMessage, res) => {
      let text = '';
      req.on('data', (chunk: Buffer) => (text += chunk.toString()));
      req.on('end', () => {
        bodies.push(JSON.parse(text));
        res.statusCode = statuses.shift() ?? 204;
        res.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers.push(server);
    return {
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook?token=s3cret`,
      bodies,
    };
  }

  it('records, tells listeners and POSTs each alert, retrying a failing receiver', async () => {
    const hook = await receiver([500]);
    let current = report({ 'queue-size': 'pass' });
    const recorded: Alert[] = [];
    const heard: Alert[] = [];
    const alerts = new HealthAlerts({
      health: () => Promise.resolve(current),
      settings: () => ({ webhookUrl: hook.url, intervalMs: 60_000 }),
      record: (alert) => {
        recorded.push(alert);
        return Promise.resolve();
      },
      logger: silentLogger(),
      webhookRetryMs: 10,
    });
    alerts.on((alert) => heard.push(alert));
    expect(await alerts.look()).toEqual([]);
    current = report({ 'queue-size': 'warn' });
    expect((await alerts.look()).map(alertKind)).toEqual(['raised']);
    expect(await alerts.look()).toEqual([]); // no news: nothing again
    current = report({ 'queue-size': 'pass' });
    expect((await alerts.look()).map(alertKind)).toEqual(['cleared']);
    await alerts.stop(); // waits for the deliveries
    expect(recorded.map((a) => a.status)).toEqual(['warn', 'pass']);
    expect(heard).toEqual(recorded);
    // The first POST got a 500 and was sent again; each body names the check and the site.
    expect(hook.bodies).toHaveLength(3);
    expect(hook.bodies[0]).toMatchObject({
      check: 'queue-size',
      status: 'warn',
      previous: 'pass',
      kind: 'raised',
      instanceId: 'op-1',
      message: 'queue-size is warn',
      hostname: expect.any(String) as string,
    });
    expect(hook.bodies[2]).toMatchObject({ kind: 'cleared', status: 'pass' });
  });

  it('keeps watching when the health read fails, and stops cleanly', async () => {
    let calls = 0;
    const alerts = new HealthAlerts({
      health: () => {
        calls += 1;
        return calls === 1 ? Promise.reject(new Error('not yet')) : Promise.resolve(report({}));
      },
      settings: () => ({ intervalMs: 5 }),
      logger: silentLogger(),
    });
    alerts.start();
    await expect.poll(() => calls).toBeGreaterThan(2);
    await alerts.stop();
    const after = calls;
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(calls).toBe(after);
  });
});
