/** A source of uniform numbers in [0, 1). */
export type Random = () => number;

/**
 * A small seeded generator (mulberry32): the same seed gives the same sequence on every machine,
 * which is all synthetic data needs (not for cryptography).
 */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A seed for runs that do not ask for reproducibility. */
export function randomSeed(): number {
  return Math.floor(Math.random() * 4294967296);
}

/** A normally distributed number (Box–Muller), for sensor noise. */
export function gaussian(random: Random, mean = 0, stdDev = 1): number {
  const u = 1 - random(); // (0, 1]: log(0) is not a number
  const v = random();
  return mean + stdDev * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** Rounds to `decimals` places; undefined keeps full precision. */
export function roundTo(value: number, decimals: number | undefined): number {
  if (decimals === undefined) return value;
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}
