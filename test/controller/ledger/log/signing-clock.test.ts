import { describe, expect, it } from "vitest";
import { SigningClock } from "../../../../controller/ledger/log/signing-clock.js";

/** A wall clock and a monotonic clock the test moves by hand. */
function clocks(wall: number) {
  const t = { wall, mono: 5_000 };
  return { t, wall: () => t.wall, mono: () => t.mono };
}

describe("SigningClock", () => {
  it("follows the wall clock while it is sane", () => {
    const { t, wall, mono } = clocks(1_000);
    const c = new SigningClock(990, wall, mono);
    expect(c.next()).toBe(1_000);
    t.wall = 1_001;
    t.mono += 1_000;
    expect(c.next()).toBe(1_001);
    // The wall clock jumps ahead (NTP catching up): stamps follow it.
    t.wall = 1_500;
    t.mono += 1_000;
    expect(c.next()).toBe(1_500);
  });

  it("never goes below the stored checkpoint's time, and carries on from it by the monotonic clock", () => {
    // The clock was stepped back 10 minutes: the stored checkpoint is from the future.
    const { t, wall, mono } = clocks(1_000);
    const c = new SigningClock(1_600, wall, mono);
    expect(c.next()).toBe(1_600);
    t.mono += 2_500;
    t.wall += 2;
    expect(c.next()).toBe(1_602);
    // Stamps taken every 250 ms still advance: fractions are carried, not dropped.
    const stamps: number[] = [];
    for (let i = 0; i < 8; i++) {
      t.mono += 250;
      stamps.push(c.next());
    }
    expect(stamps).toEqual([1_602, 1_603, 1_603, 1_603, 1_603, 1_604, 1_604, 1_604]);
    // Once the wall clock overtakes, it leads again.
    t.wall = 2_000;
    expect(c.next()).toBe(2_000);
  });

  it("does not go back when the wall clock steps back while running", () => {
    const { t, wall, mono } = clocks(1_000);
    const c = new SigningClock(0, wall, mono);
    expect(c.next()).toBe(1_000);
    t.wall = 900;
    t.mono += 3_000;
    expect(c.next()).toBe(1_003);
    t.wall = 901;
    expect(c.next()).toBe(1_003);
  });

  it("refuses a stored time that is not a whole non-negative number", () => {
    const { wall, mono } = clocks(1);
    expect(() => new SigningClock(-1, wall, mono)).toThrow(/lastSeconds/);
    expect(() => new SigningClock(1.5, wall, mono)).toThrow(/lastSeconds/);
  });
});
