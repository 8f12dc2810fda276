// Statistics helpers for routing tests: does an observed split match the table?

/** Pearson's chi-square statistic of observed counts against expected shares. */
export function chiSquare(observed: number[], shares: number[]): number {
  const n = observed.reduce((a, b) => a + b, 0);
  return observed.reduce((sum, o, i) => {
    const e = n * shares[i]!;
    return sum + ((o - e) * (o - e)) / e;
  }, 0);
}

// Upper 0.1% points of the chi-square distribution (p = 0.001), by degrees of freedom.
const CHI_SQUARE_P001 = [Number.NaN, 10.828, 13.816, 16.266, 18.467, 20.515, 22.458];

/** The statistic above which a split this far from `shares` happens with p < 0.001. */
export function chiSquareCritical001(degreesOfFreedom: number): number {
  const v = CHI_SQUARE_P001[degreesOfFreedom];
  if (v === undefined) throw new Error(`no table entry for ${degreesOfFreedom} degrees of freedom`);
  return v;
}

/** Largest |observed share − expected share|, in percentage points. */
export function maxShareErrorPp(observed: number[], shares: number[]): number {
  const n = observed.reduce((a, b) => a + b, 0);
  return Math.max(...observed.map((o, i) => Math.abs(o / n - shares[i]!) * 100));
}
