import { MongoBulkWriteError, MongoServerError } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { ErrorCode, OutpostError, isRetryable } from './errors.js';

describe('isRetryable', () => {
  it('retries network, selection and transient server errors', () => {
    expect(isRetryable(Object.assign(new Error('x'), { name: 'MongoNetworkError' }))).toBe(true);
    expect(isRetryable(Object.assign(new Error('x'), { name: 'MongoServerSelectionError' }))).toBe(
      true,
    );
    expect(isRetryable(new MongoServerError({ code: 91, errmsg: 'ShutdownInProgress' }))).toBe(
      true,
    );
    expect(isRetryable(new OutpostError(ErrorCode.CentralUnreachable, 'down'))).toBe(true);
  });

  it('treats a bulk write that failed as a whole (no per-document errors) as transient', () => {
    // What the driver throws when the connection is gone: nothing was written.
    const whole = new MongoBulkWriteError(
      { message: 'Topology is closed', code: undefined as never, writeErrors: [] },
      {} as never,
    );
    expect(isRetryable(whole)).toBe(true);
    // Seen in the chaos runs while central's mongod was down: the socket error as the message.
    for (const message of ['connect ECONNREFUSED 127.0.0.1:35359', 'read ECONNRESET']) {
      const refused = new MongoBulkWriteError(
        { message, code: undefined as never, writeErrors: [] },
        {} as never,
      );
      expect(isRetryable(refused)).toBe(true);
    }
  });

  it('never retries permanent errors, so poison cannot loop', () => {
    expect(
      isRetryable(new MongoServerError({ code: 121, errmsg: 'Document failed validation' })),
    ).toBe(false);
    expect(isRetryable(new MongoServerError({ code: 11000, errmsg: 'E11000 duplicate key' }))).toBe(
      false,
    );
    expect(isRetryable(new Error('boom'))).toBe(false);
    expect(isRetryable(undefined)).toBe(false);
  });
});
