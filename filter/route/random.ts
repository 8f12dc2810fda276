// xorshift64*: a small, fast generator for weighted choice. Not for secrets. One per VM (Envoy
// runs one VM per worker thread, so there is no sharing), seeded from the host clock.

let state: u64 = 0x9e3779b97f4a7c15;

export function seedRandom(seed: u64): void {
  state = seed != 0 ? seed : 0x9e3779b97f4a7c15;
}

@inline
export function nextRandom(): u64 {
  let x = state;
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  state = x;
  return x * 0x2545f4914f6cdd1d;
}
