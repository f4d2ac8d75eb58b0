// The tier function of the budget policy: boundaries, urgent series, no ceiling, variant choice.
import { PRIORITY } from '@imaging/jobs';
import { budgetTier, nextUtcMidnight, type BudgetSettings } from './budget-policy';

const settings: BudgetSettings = { ceilingPerDay: 10, economyAt: 0.6, minimalAt: 0.85, variant: 'float32', batchSize: 8, currency: 'USD' };
const now = new Date('2026-11-25T15:30:00Z');
const tier = (spentToday: number, urgent = false, s: Partial<BudgetSettings> = {}) => budgetTier({ spentToday, urgent, now }, { ...settings, ...s });

describe('budgetTier', () => {
  it('runs everything at full settings without a ceiling, however much was spent', () => {
    for (const spent of [0, 10, 1e9]) {
      expect(tier(spent, false, { ceilingPerDay: null })).toMatchObject({ tier: 'full', variant: 'float32', batchSize: 8, priority: PRIORITY.routine, deferredUntil: null, share: null });
      expect(tier(spent, true, { ceilingPerDay: null })).toMatchObject({ tier: 'full', priority: PRIORITY.urgent });
    }
    expect(tier(0, false, { ceilingPerDay: null }).reason).toMatch(/no daily ceiling/);
  });

  it('moves full → economy → minimal → deferred exactly at the thresholds', () => {
    expect(tier(0)).toMatchObject({ tier: 'full', variant: 'float32', batchSize: 8, priority: PRIORITY.routine, share: 0 });
    expect(tier(5.999)).toMatchObject({ tier: 'full' });
    expect(tier(6)).toMatchObject({ tier: 'economy', variant: 'student', batchSize: 16, priority: PRIORITY.routine, deferredUntil: null, share: 0.6 });
    expect(tier(8.499)).toMatchObject({ tier: 'economy' });
    expect(tier(8.5)).toMatchObject({ tier: 'minimal', variant: 'student', batchSize: 32, priority: PRIORITY.deferred, deferredUntil: null });
    expect(tier(9.999)).toMatchObject({ tier: 'minimal' });
    expect(tier(10)).toMatchObject({ tier: 'deferred', priority: PRIORITY.deferred, deferredUntil: new Date('2026-11-26T00:00:00Z'), share: 1 });
    expect(tier(25)).toMatchObject({ tier: 'deferred', share: 2.5 });
  });

  it('never defers an urgent series and keeps its priority urgent in every tier', () => {
    for (const spent of [0, 6, 8.5, 10, 1000]) {
      const plan = tier(spent, true);
      expect(plan.tier).not.toBe('deferred');
      expect(plan.deferredUntil).toBeNull();
      expect(plan.priority).toBe(PRIORITY.urgent);
    }
    expect(tier(10, true)).toMatchObject({ tier: 'minimal', variant: 'student', batchSize: 32 });
    expect(tier(10, true).reason).toMatch(/urgent series runs anyway/);
  });

  it('switches to the student (the variant that computes less) and never to float16 / uint8, which compute the same graph', () => {
    expect(tier(6, false, { variant: 'uint8' })).toMatchObject({ tier: 'economy', variant: 'student', batchSize: 16 });
    expect(tier(0, false, { variant: 'float16' })).toMatchObject({ tier: 'full', variant: 'float16' });
    expect(tier(9, false, { variant: 'float16' })).toMatchObject({ tier: 'minimal', variant: 'student' });
    expect(tier(0, false, { variant: 'student' })).toMatchObject({ tier: 'full', variant: 'student' });
    for (const spent of [0, 6, 9, 12]) expect(['float16', 'uint8']).not.toContain(tier(spent).variant);
  });

  it('keeps the configured variant when the active version has no student weights', () => {
    const plan = (spent: number) => budgetTier({ spentToday: spent, urgent: false, now, availableVariants: ['float32', 'float16', 'uint8'] }, settings);
    expect(plan(6)).toMatchObject({ tier: 'economy', variant: 'float32', batchSize: 16 });
    expect(plan(9)).toMatchObject({ tier: 'minimal', variant: 'float32', batchSize: 32 });
    expect(budgetTier({ spentToday: 6, urgent: false, now, availableVariants: ['float32', 'student'] }, settings)).toMatchObject({ variant: 'student' });
  });

  it('explains itself in words: spend, ceiling, share and the threshold crossed', () => {
    expect(tier(6.5).reason).toBe('spent 6.50 USD of 10.00 USD today (65.0 %) ≥ 60.0 %: economy tier (student, batch 16)');
    expect(tier(10).reason).toBe('spent 10.00 USD of 10.00 USD today (100.0 %), ceiling reached: routine series deferred to 2026-11-26T00:00:00.000Z');
  });

  it('defers to the next UTC midnight, also from the last millisecond of a day', () => {
    expect(nextUtcMidnight(new Date('2026-12-31T23:59:59.999Z')).toISOString()).toBe('2027-01-01T00:00:00.000Z');
    expect(nextUtcMidnight(new Date('2026-11-25T00:00:00.000Z')).toISOString()).toBe('2026-11-26T00:00:00.000Z');
  });
});
