// Which root context a stream belongs to. Envoy creates a context per request with its root as
// parent; the request path needs that root without a map insert, so streams are bound in a
// fixed ring indexed by context id (ids are handed out in increasing order).
import { RootContext } from "./root-context";

const MAX_ROOTS = 64;
const STREAM_SLOTS = 4096; // power of two
const STREAM_MASK: u32 = STREAM_SLOTS - 1;

const roots = new Array<RootContext>(0);
const streamIds = new StaticArray<u32>(STREAM_SLOTS);
const streamRoots = new StaticArray<RootContext | null>(STREAM_SLOTS);

/** Registers a configured root; a re-configured id replaces its old entry. */
export function addRoot(root: RootContext): void {
  for (let i = 0; i < roots.length; i++) {
    if (unchecked(roots[i]).id == root.id) {
      unchecked((roots[i] = root));
      return;
    }
  }
  // Envoy retires roots on config updates; without per-context delete callbacks (one more VM
  // call per request) the oldest entry gives way.
  if (roots.length >= MAX_ROOTS) roots.shift();
  roots.push(root);
}

export function findRoot(id: u32): RootContext | null {
  for (let i = 0; i < roots.length; i++) {
    const root = unchecked(roots[i]);
    if (root.id == id) return root;
  }
  return null;
}

@inline
export function bindStream(contextId: u32, rootId: u32): void {
  const slot = contextId & STREAM_MASK;
  unchecked((streamIds[slot] = contextId));
  unchecked((streamRoots[slot] = findRoot(rootId)));
}

/** The stream's root, or null when it was never bound or the slot was reused. */
@inline
export function rootOfStream(contextId: u32): RootContext | null {
  const slot = contextId & STREAM_MASK;
  return unchecked(streamIds[slot]) == contextId ? unchecked(streamRoots[slot]) : null;
}
