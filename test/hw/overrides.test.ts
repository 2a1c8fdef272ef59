/** The InternalFailure warning for targets overridden again and again (behaviour.md §6). */
import { OVERRIDE_RULE, OverrideCounter } from '../../service/src/app/overrides';

describe('OverrideCounter', () => {
  it('defaults: three in a minute, cleared after ten quiet minutes', () => {
    expect(OVERRIDE_RULE).toEqual({ count: 3, windowMs: 60_000, quietMs: 600_000 });
  });

  it('one or two overrides are events only; the third within the window warns', () => {
    const c = new OverrideCounter();
    c.record(0);
    c.record(30_000);
    expect(c.level(30_000)).toBe(0);
    expect(c.clearsAt()).toBeNull();
    c.record(59_999);
    expect(c.level(59_999)).toBe(1);
    expect(c.clearsAt()).toBe(59_999 + 600_000);
  });

  it('three spread over more than the window do not warn', () => {
    const c = new OverrideCounter();
    c.record(0);
    c.record(40_000);
    c.record(60_000); // the first one is out of the window
    expect(c.level(60_000)).toBe(0);
  });

  it('the warning holds while overrides keep coming, even sparse ones, until a quiet period', () => {
    const c = new OverrideCounter();
    for (const t of [0, 1_000, 2_000]) c.record(t);
    c.record(300_000); // one more, 5 min later: not quiet yet
    expect(c.level(899_999)).toBe(1);
    expect(c.clearsAt()).toBe(900_000);
    expect(c.level(900_000)).toBe(0);
    expect(c.clearsAt()).toBeNull();
    // After the quiet period the count starts again from zero.
    c.record(900_001);
    expect(c.level(900_001)).toBe(0);
  });
});
