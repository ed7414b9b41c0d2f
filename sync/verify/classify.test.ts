import { describe, expect, it } from 'vitest';
import { classify } from './classify.js';

describe('classify', () => {
  it('sees no difference when both sides now hold the same content, or both lack it', () => {
    expect(classify({ local: 'h1', central: 'h1', base: 'v1', queued: true })).toEqual({
      kind: 'same',
    });
    expect(classify({ local: null, central: null, base: 'v1', queued: false })).toEqual({
      kind: 'same',
    });
  });

  it('leaves a document with an outbox entry to push: pending, whatever its kind', () => {
    expect(classify({ local: 'h2', central: 'h1', base: 'v1', queued: true })).toEqual({
      kind: 'pending',
      drift: 'changed',
    });
    expect(classify({ local: null, central: 'h1', base: 'v1', queued: true })).toEqual({
      kind: 'pending',
      drift: 'missing',
    });
    expect(classify({ local: 'h1', central: null, base: null, queued: true })).toEqual({
      kind: 'pending',
      drift: 'extra',
    });
  });

  it('restores central’s version of a changed or missing document', () => {
    expect(classify({ local: 'h2', central: 'h1', base: 'v1', queued: false })).toEqual({
      kind: 'drift',
      drift: 'changed',
      action: 'restore-from-central',
    });
    expect(classify({ local: null, central: 'h1', base: null, queued: false })).toEqual({
      kind: 'drift',
      drift: 'missing',
      action: 'restore-from-central',
    });
  });

  it('deletes an extra document central once had, and pushes one it never had', () => {
    expect(classify({ local: 'h1', central: null, base: 'v3', queued: false })).toEqual({
      kind: 'drift',
      drift: 'extra',
      action: 'delete-local',
    });
    expect(classify({ local: 'h1', central: null, base: null, queued: false })).toEqual({
      kind: 'drift',
      drift: 'extra',
      action: 'queue-push',
    });
  });
});

describe('classify, push-only (the site is the truth)', () => {
  it('sends the site’s version again for whatever central lacks or holds otherwise', () => {
    expect(classify({ local: 'h2', central: 'h1', base: 'v1', queued: false }, 'site')).toEqual({
      kind: 'drift',
      drift: 'changed',
      action: 'queue-push',
    });
    expect(classify({ local: 'h1', central: null, base: 'v1', queued: false }, 'site')).toEqual({
      kind: 'drift',
      drift: 'extra',
      action: 'queue-push',
    });
  });

  it('still leaves a queued change to push, and sees no difference in equal content', () => {
    expect(classify({ local: 'h2', central: null, base: null, queued: true }, 'site')).toEqual({
      kind: 'pending',
      drift: 'extra',
    });
    expect(classify({ local: 'h1', central: 'h1', base: 'v1', queued: false }, 'site')).toEqual({
      kind: 'same',
    });
  });
});
