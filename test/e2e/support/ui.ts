/** Locators and waits the specs share: by role and label first, test ids for numbers. */
import { expect, type Page } from '@playwright/test';
import type { Cluster } from './fixtures.js';
import type { Site } from './sites.js';

export const TRAY = { width: 360, height: 520 };

export function section(page: Page, name: 'Status' | 'Conflicts' | 'Settings' | 'Activity') {
  return page.getByRole('navigation', { name: 'Sections' }).getByRole('button', { name });
}

export async function openSection(page: Page, name: Parameters<typeof section>[1]) {
  await section(page, name).click();
  await expect(page.getByRole('heading', { level: 2, name })).toBeFocused();
}

export function statePill(page: Page) {
  return page.getByTestId('state-pill');
}

export async function expectInSync(page: Page, timeout = 60_000) {
  await expect(statePill(page)).toHaveText('In sync', { timeout });
  await expect(page.getByTestId('pending-count')).toHaveText('0');
}

/** Site `a` with three sales of 10, in sync: every sale at central. */
export async function siteWithThreeSales(cluster: Cluster): Promise<Site> {
  const site = await cluster.startSite('a');
  await site.db
    .collection('sales')
    .insertMany(Array.from({ length: 3 }, (_, i) => ({ _id: `sale-${i}` as never, total: 10 })));
  await expect.poll(() => cluster.central.collection('sales').countDocuments()).toBe(3);
  await expectInSync(site.page);
  return site;
}

/** The number at the start of a text such as "12 changes". */
export async function leadingNumber(page: Page, testId: string): Promise<number> {
  const text = (await page.getByTestId(testId).textContent()) ?? '';
  return Number(/^[\d,]+/.exec(text.trim())?.[0].replace(/,/g, '') ?? Number.NaN);
}
