import { describe, expect, it } from 'vitest';
import { DEFAULT_RULE, type CollectionRule } from '../engine/rules.js';
import { decide, type ConflictSides } from './decide.js';

const rule = (patch: Partial<CollectionRule>): CollectionRule => ({ ...DEFAULT_RULE, ...patch });
const older = '0000000001000-000000-a';
const newer = '0000000002000-000000-b';
const base = { _id: 1, name: 'Tea', price: 2, qty: 50 };
const sides = (patch: Partial<ConflictSides>): ConflictSides => ({
  kind: 'update-update',
  site: { ...base, price: 3, qty: 45 },
  siteVersion: newer,
  central: { ...base, name: 'Green tea', qty: 40, _sync: { v: older } },
  centralVersion: older,
  base,
  ...patch,
});

describe('decide', () => {
  it('lww: the larger HLC version wins the whole document', () => {
    expect(decide(rule({}), sides({}))).toMatchObject({
      outcome: 'site',
      doc: { price: 3, name: 'Tea' },
    });
    expect(decide(rule({}), sides({ siteVersion: older, centralVersion: newer }))).toMatchObject({
      outcome: 'central',
      doc: { name: 'Green tea' },
    });
  });

  it('central-wins and site-wins ignore versions', () => {
    expect(decide(rule({ strategy: 'central-wins' }), sides({}))).toMatchObject({
      outcome: 'central',
    });
    expect(
      decide(rule({ strategy: 'site-wins' }), sides({ siteVersion: older, centralVersion: newer })),
    ).toMatchObject({ outcome: 'site' });
  });

  it('merge: combines fields changed on one side each; strips _sync', () => {
    const decision = decide(rule({ strategy: 'merge' }), sides({}));
    expect(decision).toEqual({
      outcome: 'merged',
      doc: { _id: 1, name: 'Green tea', price: 3, qty: 45 },
      conflictingFields: ['qty'],
    });
  });

  it('merge with a manual fallback leaves a field changed on both sides to the operator', () => {
    expect(decide(rule({ strategy: 'merge', mergeFallback: 'manual' }), sides({}))).toEqual({
      outcome: 'manual',
      conflictingFields: ['qty'],
    });
  });

  it('counters add both deltas in every outcome', () => {
    expect(decide(rule({ counters: ['qty'] }), sides({}))).toMatchObject({
      outcome: 'site',
      doc: { qty: 35 },
    });
    expect(decide(rule({ strategy: 'central-wins', counters: ['qty'] }), sides({}))).toMatchObject({
      doc: { qty: 35 },
    });
    expect(decide(rule({ strategy: 'merge', counters: ['qty'] }), sides({}))).toMatchObject({
      doc: { qty: 35 },
      conflictingFields: [],
    });
  });

  it('delete against update: update wins by default, delete wins when configured', () => {
    const siteDeleted = sides({ kind: 'delete-update', site: null });
    expect(decide(rule({}), siteDeleted)).toMatchObject({
      outcome: 'central',
      doc: { name: 'Green tea' },
    });
    expect(decide(rule({ deleteVsUpdate: 'delete-wins' }), siteDeleted)).toMatchObject({
      doc: null,
    });
    const centralDeleted = sides({ kind: 'update-delete', central: null });
    expect(decide(rule({}), centralDeleted)).toMatchObject({ outcome: 'site', doc: { price: 3 } });
    expect(decide(rule({ deleteVsUpdate: 'delete-wins' }), centralDeleted)).toMatchObject({
      doc: null,
    });
  });

  it('manual strategy and unique clashes always go to the operator', () => {
    expect(decide(rule({ strategy: 'manual' }), sides({}))).toEqual({
      outcome: 'manual',
      conflictingFields: [],
    });
    expect(decide(rule({}), sides({ kind: 'unique' }))).toEqual({
      outcome: 'manual',
      conflictingFields: [],
    });
  });
});
