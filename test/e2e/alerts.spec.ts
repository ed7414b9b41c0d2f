import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { findFreePort } from '../../sync/util/ports.js';
import { expect, test } from './support/fixtures.js';
import { expectInSync, openSection } from './support/ui.js';

test('an alert webhook is tried, saved, and then told when central goes down', async ({
  cluster,
  shoot,
}) => {
  const posts: Record<string, unknown>[] = [];
  const receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      posts.push(JSON.parse(body) as Record<string, unknown>);
      res.statusCode = 204;
      res.end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  try {
    const hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/s3cret`;
    const site = await cluster.startSite('a');
    const { page } = site;
    await expectInSync(page);
    await openSection(page, 'Settings');
    const card = page.getByRole('region', { name: 'Alerts' });
    const field = card.getByRole('textbox', { name: 'Webhook address' });
    const send = card.getByRole('button', { name: 'Send a test' });
    const save = card.getByRole('button', { name: 'Save', exact: true });
    await expect(card).toContainText('Now sending to: nowhere else');

    // Nobody listening: said plainly, and it cannot be saved.
    await field.fill(`http://127.0.0.1:${await findFreePort()}/hook`);
    await send.click();
    await expect(card.getByTestId('alert-result')).toContainText(
      'The test alert did not get through',
    );
    await expect(save).toBeDisabled();

    await field.fill(hook);
    await send.click();
    await expect(card.getByTestId('alert-result')).toHaveText(
      'The test alert was taken (the receiver answered 2xx).',
    );
    expect(posts.at(-1)).toMatchObject({ kind: 'test', instanceId: expect.any(String) });
    await save.click();
    await expect(card.getByText(/^Saved to .*outpost\.json\. In effect now\.$/)).toBeVisible();
    // Shown by its origin only: the path may be the secret.
    const origin = new URL(hook).origin;
    await expect(card).toContainText(`Now sending to: ${origin}/***`);
    await expect(card).not.toContainText('s3cret');
    await shoot(page, 'alerts-saved');

    // Central down past the threshold: the saved webhook hears it.
    site.proxy.cut();
    await expect
      .poll(() => posts.some((p) => p['check'] === 'central-database' && p['status'] === 'fail'), {
        timeout: 30_000,
      })
      .toBe(true);
    site.proxy.restore();
    await expect
      .poll(() => posts.some((p) => p['check'] === 'central-database' && p['kind'] === 'cleared'), {
        timeout: 60_000,
      })
      .toBe(true);

    await card.getByRole('button', { name: 'Stop sending' }).click();
    await expect(card.getByText(/^Alerts are no longer sent\./)).toBeVisible();
    await expect(card).toContainText('Now sending to: nowhere else');
  } finally {
    receiver.close();
  }
});
