// What the response path needs to know about a routed stream: the table version and the counters
// its request went to, and when its request headers came. Kept in a fixed ring indexed by context
// id, as contexts.ts binds streams (ids rise, so a slot is reused only by a later stream): no map
// insert, no allocation. A stream whose slot was reused before its response is simply not counted.
// Table versions, not references, so the ring never keeps a dropped table alive.

const SLOTS = 4096; // power of two
const MASK: u32 = SLOTS - 1;

// 96 KB, allocated only once a root context observes responses; until then nothing reads them.
let ids = new StaticArray<u32>(0);
let versions = new StaticArray<u64>(0);
let offsets = new StaticArray<i32>(0);
let startedNs = new StaticArray<u64>(0);

/** Whether any root context observes responses: when none does, the response callback does nothing. */
let observing = false;

export function observeResponses(): void {
  if (observing) return;
  ids = new StaticArray<u32>(SLOTS);
  versions = new StaticArray<u64>(SLOTS);
  offsets = new StaticArray<i32>(SLOTS);
  startedNs = new StaticArray<u64>(SLOTS);
  observing = true;
}

@inline
export function observingResponses(): bool {
  return observing;
}

@inline
export function rememberStream(contextId: u32, version: u64, offset: i32, nowNs: u64): void {
  const slot = contextId & MASK;
  unchecked((ids[slot] = contextId));
  unchecked((versions[slot] = version));
  unchecked((offsets[slot] = offset));
  unchecked((startedNs[slot] = nowNs));
}

/** Set by takeStream: the stream's table version, counter offset and request time. */
export let streamVersion: u64 = 0;
export let streamOffset: i32 = 0;
export let streamStartedNs: u64 = 0;

/** Whether the stream was remembered; if so its record is read out (above) and forgotten. */
@inline
export function takeStream(contextId: u32): bool {
  const slot = contextId & MASK;
  if (unchecked(ids[slot]) != contextId) return false;
  // Context ids start at 1, so 0 marks a slot as taken.
  unchecked((ids[slot] = 0));
  streamVersion = unchecked(versions[slot]);
  streamOffset = unchecked(offsets[slot]);
  streamStartedNs = unchecked(startedNs[slot]);
  return true;
}
