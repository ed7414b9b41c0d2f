/**
 * A till in a process of its own, as a POS is: rings up `count` sales into `db`.sales at `rate`
 * a second (0: back to back) and sends the latency of each insert, in ms, to its parent. Timed
 * inside the benchmark's process, the till's inserts also waited for the engines' JavaScript.
 */
import { MongoClient } from 'mongodb';

interface TillJob {
  uri: string;
  db: string;
  count: number;
  rate: number;
  firstId: number;
}

async function ring(job: TillJob): Promise<number[]> {
  const client = new MongoClient(job.uri);
  try {
    const sales = client.db(job.db).collection('sales');
    const samples: number[] = [];
    const started = performance.now();
    for (let i = 0; i < job.count; i++) {
      if (job.rate > 0) {
        const wait = started + (i * 1000) / job.rate - performance.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      }
      const t0 = performance.now();
      await sales.insertOne({
        _id: `s-${job.firstId + i}` as never,
        total: i,
        lines: [{ sku: 'A', qty: 1 }],
      });
      samples.push(performance.now() - t0);
    }
    return samples;
  } finally {
    await client.close();
  }
}

process.once('message', (job: TillJob) => {
  ring(job).then(
    (samples) => process.send!({ samples }, () => process.exit(0)),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
});
