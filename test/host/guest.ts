// Calls into the guest the way cpp-host does: the callee's context becomes the current one
// and the effective context is cleared for the call (SaveRestoreContext); a trap fails the VM;
// work deferred by host calls runs once the outermost call returns (DeferAfterCallActions).
import type { Context } from "./context.js";
import { HostState, HostTrap, ProxyWasmTrapError, Restriction } from "./host-state.js";

export type GuestFn = (...args: number[]) => number | undefined;

const MAX_BACKTRACE_FRAMES = 20;

function describeTrap(error: unknown): string {
  if (error instanceof ProxyWasmTrapError) return `${error.callback} failed: ${error.detail}`;
  if (!(error instanceof Error)) return String(error);
  const frames = (error.stack ?? "")
    .split("\n")
    .filter((line) => line.includes("wasm://") || line.includes("wasm-function"))
    .slice(0, MAX_BACKTRACE_FRAMES)
    .map((line) => `  ${line.trim()}`);
  const head = error instanceof HostTrap ? error.message : `${error.name}: ${error.message}`;
  return frames.length === 0 ? head : `${head}\nProxy-Wasm plugin in-VM backtrace:\n${frames.join("\n")}`;
}

export class Guest {
  private depth = 0;
  /** Whether proxy_send_local_response ran during the last top-level call. */
  lastStopped = false;

  private readonly mallocFn: GuestFn | undefined;

  constructor(
    private readonly s: HostState,
    private readonly fns: ReadonlyMap<string, GuestFn>,
  ) {
    // cpp-host prefers `malloc` and falls back to `proxy_on_memory_allocate`.
    this.mallocFn = fns.get("malloc") ?? fns.get("proxy_on_memory_allocate");
  }

  fn(name: string): GuestFn | undefined {
    return this.fns.get(name);
  }

  has(name: string): boolean {
    return this.fns.has(name);
  }

  /** Calls `name` in `ctx` with up to five i32 arguments; returns the result as a u32. */
  call(ctx: Context, name: string, fn: GuestFn, a = 0, b = 0, c = 0, d = 0, e = 0): number {
    const s = this.s;
    const savedCurrent = s.current;
    const savedEffective = s.effectiveId;
    s.current = ctx;
    s.effectiveId = 0;
    this.depth++;
    if (s.recordEvents && name !== "malloc") {
      s.callbackTrace.push({ name, contextId: ctx.id, args: [a, b, c, d, e].slice(0, fn.length) });
    }
    let result: number | undefined;
    try {
      result = fn(a, b, c, d, e);
    } catch (error) {
      s.current = savedCurrent;
      s.effectiveId = savedEffective;
      throw this.trapped(name, error);
    }
    s.current = savedCurrent;
    s.effectiveId = savedEffective;
    if (--this.depth === 0 && (s.stopNextIteration || s.afterCall.length > 0 || this.lastStopped)) {
      this.finishTopLevel();
    }
    return (result ?? 0) >>> 0;
  }

  private trapped(name: string, error: unknown): ProxyWasmTrapError {
    const s = this.s;
    if (--this.depth === 0) {
      s.afterCall.length = 0;
      s.stopNextIteration = false;
    }
    const trap = new ProxyWasmTrapError(name, describeTrap(error));
    s.failure = trap.message;
    return trap;
  }

  /** Allocates guest memory; host calls other than logging and the clock trap meanwhile. */
  malloc(size: number): number {
    const fn = this.mallocFn;
    if (fn === undefined) return 0;
    const s = this.s;
    const saved = s.restricted;
    s.restricted = Restriction.Malloc;
    try {
      return this.call(s.vmContext, "malloc", fn, size);
    } finally {
      s.restricted = saved;
    }
  }

  /** WASI reactor or command start-up (cpp-host startVm). */
  start(): void {
    const s = this.s;
    s.restricted = Restriction.Start;
    try {
      const initialize = this.fns.get("_initialize");
      if (initialize !== undefined) {
        this.call(s.vmContext, "_initialize", initialize);
        const main = this.fns.get("main");
        const mainVoid = this.fns.get("__main_void");
        if (main !== undefined) this.call(s.vmContext, "main", main, 0, 0);
        else if (mainVoid !== undefined) this.call(s.vmContext, "__main_void", mainVoid);
      } else {
        const start = this.fns.get("_start");
        if (start !== undefined) this.call(s.vmContext, "_start", start);
      }
    } finally {
      s.restricted = Restriction.None;
    }
  }

  private finishTopLevel(): void {
    const s = this.s;
    const stopped = s.stopNextIteration;
    s.stopNextIteration = false;
    // Deferred work may call the guest again; the stop belongs to the call that just ended.
    while (s.afterCall.length > 0) s.afterCall.shift()!();
    this.lastStopped = stopped;
  }
}
