/**
 * Simulated point-of-sale traffic: each site rings up sales against its local MongoDB (as the
 * POS software would, knowing nothing of Outpost) and decrements stock; head office changes
 * prices at central through the central writer.
 */
import { ObjectId, type Db, type Document } from 'mongodb';
import type { CentralWriter } from '../../sync/central/writer.js';
import { DB, type Site } from './cluster.js';

export const CATALOGUE = [
  { _id: 'espresso', name: 'Espresso', price: 2.2 },
  { _id: 'cappuccino', name: 'Cappuccino', price: 3.1 },
  { _id: 'croissant', name: 'Croissant', price: 1.9 },
  { _id: 'bagel', name: 'Bagel', price: 2.6 },
  { _id: 'salad', name: 'Salad bowl', price: 7.5 },
  { _id: 'soup', name: 'Soup of the day', price: 4.8 },
  { _id: 'juice', name: 'Orange juice', price: 3.4 },
  { _id: 'cookie', name: 'Cookie', price: 1.2 },
] as const;

export const INITIAL_STOCK = 10_000;

/** Products and shared stock levels, written at central by head office (once per data dir). */
export async function seedCatalogue(headOffice: CentralWriter, central: Db): Promise<void> {
  for (const product of CATALOGUE) {
    if (!(await central.collection('products').findOne({ _id: product._id as never })))
      await headOffice.insert(DB, 'products', { ...product });
    if (!(await central.collection('stock').findOne({ _id: product._id as never })))
      await headOffice.insert(DB, 'stock', { _id: product._id, qty: INITIAL_STOCK });
  }
}

/** Runs `step` every `intervalMs` (with jitter) until stopped; counts and reports failures. */
class Loop {
  private stopped = false;
  private running: Promise<void> | undefined;
  failures = 0;

  constructor(
    private readonly intervalMs: number,
    private readonly step: () => Promise<void>,
    private readonly warn: (message: string) => void,
  ) {}

  start(): void {
    this.running = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.running;
  }

  private async run(): Promise<void> {
    const seen = new Set<string>();
    while (!this.stopped) {
      try {
        await this.step();
      } catch (error) {
        this.failures++;
        const message = error instanceof Error ? error.message : String(error);
        // Once per distinct message: a mongod restart must not flood the terminal.
        if (!seen.has(message)) this.warn(message);
        seen.add(message);
      }
      const delay = this.intervalMs * (0.5 + Math.random());
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}

export class SiteTraffic {
  sales = 0;
  units = 0;
  private readonly loop: Loop;

  constructor(
    private readonly site: Site,
    salesPerSecond: number,
    warn: (message: string) => void,
  ) {
    this.loop = new Loop(
      1000 / salesPerSecond,
      () => this.sell(),
      (message) => warn(`${site.name}: a sale failed: ${message}`),
    );
  }

  start(): void {
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** One sale as the POS writes it: read the local price, insert the sale, decrement stock. */
  private async sell(): Promise<void> {
    const db = this.site.db;
    const products = await db
      .collection<{ _id: string; name: string; price: number }>('products')
      .find({})
      .toArray();
    const product = products[Math.floor(Math.random() * products.length)];
    if (!product) return;
    const qty = 1 + Math.floor(Math.random() * 3);
    const price = product.price;
    const sale: Document = {
      _id: new ObjectId(),
      siteId: this.site.siteId,
      sku: product._id,
      name: product.name,
      qty,
      unitPrice: price,
      total: Math.round(price * qty * 100) / 100,
      at: new Date(),
    };
    await db.collection('sales').insertOne(sale);
    const decremented = await db
      .collection<{ _id: string; qty: number }>('stock')
      .updateOne({ _id: product._id }, { $inc: { qty: -qty } });
    this.sales++;
    // Only decrements that found the stock document count: in the first seconds a site may sell
    // before head office's stock levels have reached it, and the POS's $inc then matches nothing.
    if (decremented.matchedCount === 1) this.units += qty;
  }
}

export class HeadOffice {
  priceChanges = 0;
  private readonly loop: Loop;

  constructor(
    private readonly writer: CentralWriter,
    everyMs: number,
    warn: (message: string) => void,
  ) {
    this.loop = new Loop(
      everyMs,
      () => this.changePrice(),
      (message) => warn(`head office: a price change failed: ${message}`),
    );
  }

  start(): void {
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  private async changePrice(): Promise<void> {
    const product = CATALOGUE[Math.floor(Math.random() * CATALOGUE.length)];
    if (!product) return;
    const changed = await this.writer.update(DB, 'products', product._id, (current) => {
      const factor = 0.95 + Math.random() * 0.13;
      return { ...current, price: Math.round(Number(current['price']) * factor * 100) / 100 };
    });
    if (changed) this.priceChanges++;
  }
}
