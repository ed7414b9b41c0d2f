import { Timestamp } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { CentralTime, commitTimeFloor } from './central-time.js';

const at = (seconds: number) => new Date(seconds * 1000 + 640);

describe('commitTimeFloor', () => {
  it("is a second before central's clock while the last write is older", () => {
    const floor = commitTimeFloor({
      localTime: at(1_800_000_100),
      operationTime: new Timestamp({ t: 1_800_000_000, i: 7 }),
    });
    expect(floor.equals(new Timestamp({ t: 1_800_000_099, i: 0 }))).toBe(true);
  });

  it('is the last applied operation when that is later (a clock behind its cluster time)', () => {
    const applied = new Timestamp({ t: 1_800_000_100, i: 3 });
    expect(commitTimeFloor({ localTime: at(1_800_000_100), operationTime: applied })).toBe(applied);
  });

  it('refuses a reply without a clock rather than date documents wrongly', () => {
    expect(() => commitTimeFloor({ ok: 1 })).toThrow(/localTime/);
  });
});

describe('CentralTime', () => {
  it('asks central again only once its bound is older than maxAgeMs', async () => {
    let now = 0;
    let asked = 0;
    const central = {
      db: () => ({
        command: () => {
          asked += 1;
          return Promise.resolve({ localTime: at(1_800_000_000 + asked) });
        },
      }),
    };
    const time = new CentralTime(central as never, 1_000, () => now);
    expect((await time.floor()).t).toBe(1_800_000_000);
    now = 1_000;
    expect((await time.floor()).t).toBe(1_800_000_000);
    expect(asked).toBe(1);
    now = 1_001;
    expect((await time.floor()).t).toBe(1_800_000_001);
    expect(asked).toBe(2);
  });
});
