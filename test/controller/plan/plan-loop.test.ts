// The plan loop: a table is served only once its record is durable, a failed record serves
// nothing and is retried, and however many readings arrive there is one table per tick unless a
// health or drain change asks for one at once.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { TableFeed, type PublishedTable } from "../../../controller/delivery/table-feed.js";
import { createLogger } from "../../../controller/ops/logger.js";
import { ControllerMetrics } from "../../../controller/ops/metrics.js";
import { PlanLoop, type RecordTable } from "../../../controller/plan/plan-loop.js";
import type { PlanFallback } from "../../../controller/plan/plan.js";
import type { PlannedTable } from "../../../controller/plan/plan-step.js";
import type { Service } from "../../../controller/table/weight-table.js";

const TICK_MS = 1_000;

/** A step whose plan is whatever `weight` says when it runs. */
function steppingOn(state: { weight: number; steps: number }) {
  return (nowMs: number): PlannedTable => {
    state.steps++;
    const services: Service[] = [{ key: "api", upstreams: [{ name: "a", weight: state.weight, canaryWeight: 0, draining: false }] }];
    return { nowMs, services, sites: [], model: { id: "test", sha256: null } };
  };
}

async function metric(metrics: ControllerMetrics, name: string): Promise<string> {
  return metrics.registry.getSingleMetricAsString(name);
}

function deferred(): { promise: Promise<void>; resolve: () => void; reject: (e: Error) => void } {
  let resolve!: () => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe("PlanLoop", () => {
  let loop: PlanLoop | null = null;
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_767_225_600_000 });
  });
  afterEach(async () => {
    await loop?.stop();
    loop = null;
    vi.useRealTimers();
  });

  function start(record: RecordTable | null, state = { weight: 1, steps: 0 }) {
    const feed = new TableFeed(60_000);
    const metrics = new ControllerMetrics();
    loop = new PlanLoop(
      { step: steppingOn(state), feed, metrics, logger: createLogger("silent"), record },
      { intervalMs: TICK_MS, refreshMs: 20_000 },
    );
    loop.start();
    return { feed, metrics, state, loop };
  }

  it("serves a table only after its record is durable", async () => {
    const pending = deferred();
    const recorded: PublishedTable[] = [];
    const { feed } = start(async (table) => {
      recorded.push(table);
      await pending.promise;
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(recorded).toHaveLength(1);
    expect(feed.latest()).toBeNull();
    pending.resolve();
    await loop!.idle();
    expect(feed.latest()?.version).toBe(recorded[0]!.version);
    expect(feed.latest()?.bytes).toBe(recorded[0]!.bytes);
  });

  it("serves nothing when the record fails, and tries again on the next tick", async () => {
    let fail = true;
    const { feed, metrics } = start(async () => {
      if (fail) throw new Error("disk full");
    });
    await loop!.idle();
    expect(feed.latest()).toBeNull();
    expect(await metric(metrics, "solar_controller_tables_unrecorded_total")).toMatch(/ 1$/m);
    fail = false;
    await vi.advanceTimersByTimeAsync(TICK_MS);
    await loop!.idle();
    expect(feed.latest()).not.toBeNull();
    expect(await metric(metrics, "solar_controller_tables_published_total")).toMatch(/ 1$/m);
  });

  it("folds any number of ordinary changes into the next tick: one table per tick", async () => {
    const { feed, metrics, state } = start(null);
    await loop!.idle();
    const first = feed.latest()!.version;
    for (let i = 0; i < 1_000; i++) {
      state.weight = i + 2;
      loop!.changed();
    }
    await vi.advanceTimersByTimeAsync(TICK_MS - 1);
    expect(feed.latest()!.version).toBe(first);
    expect(state.steps).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    await loop!.idle();
    expect(state.steps).toBe(2);
    expect(feed.latest()!.table.services[0]!.upstreams[0]!.weight).toBe(1_001);
    expect(await metric(metrics, "solar_controller_tables_published_total")).toMatch(/ 2$/m);
    expect(await metric(metrics, "solar_controller_plan_changes_coalesced_total")).toMatch(/ 1000$/m);
  });

  it("plans at once for an urgent change, and folds urgent changes during a cycle into one more", async () => {
    let release = deferred();
    const { feed, metrics, state } = start(async () => {
      await release.promise;
    });
    release.resolve();
    await loop!.idle();
    expect(state.steps).toBe(1);
    release = deferred();
    state.weight = 7;
    loop!.urgent();
    await vi.advanceTimersByTimeAsync(0);
    expect(state.steps).toBe(2);
    // Three more urgent changes while the record is in flight: one follow-up cycle.
    state.weight = 9;
    loop!.urgent();
    loop!.urgent();
    loop!.urgent();
    const holding = release;
    release = deferred();
    holding.resolve();
    await vi.advanceTimersByTimeAsync(0);
    release.resolve();
    await loop!.idle();
    expect(state.steps).toBe(3);
    expect(feed.latest()!.table.services[0]!.upstreams[0]!.weight).toBe(9);
    expect(await metric(metrics, "solar_controller_plans_total")).toMatch(/trigger="urgent"} 2/);
  });

  it("does not republish an unchanged plan until a third of the TTL has passed", async () => {
    const { feed } = start(null);
    await loop!.idle();
    const first = feed.latest()!.version;
    await vi.advanceTimersByTimeAsync(19 * TICK_MS);
    expect(feed.latest()!.version).toBe(first);
    await vi.advanceTimersByTimeAsync(TICK_MS);
    await loop!.idle();
    expect(feed.latest()!.version).toBeGreaterThan(first);
  });

  it("counts every fallback plan by reason, and logs only when the reason changes", async () => {
    // The predictive planner's cycles, one per tick: which fallback (if any) each one had.
    const script: Array<PlanFallback | null> = [
      null,
      { reason: "time_budget", detail: "over 50 ms" },
      { reason: "time_budget", detail: "over 50 ms" },
      { reason: "infeasible", detail: "HiGHS model status 8" },
      { reason: "infeasible", detail: "HiGHS model status 8" },
      null,
      null,
    ];
    let cycle = 0;
    const step = (nowMs: number): PlannedTable => {
      const fallback = script[Math.min(cycle++, script.length - 1)]!;
      const services: Service[] = [{ key: "api", upstreams: [{ name: "a", weight: 1, canaryWeight: 0, draining: false }] }];
      return { nowMs, services, sites: [], model: { id: "test", sha256: null }, planner: { name: fallback === null ? "predictive" : "greedy", fallback } };
    };
    const lines: Array<{ level: number; msg: string; reason?: string; detail?: string }> = [];
    const logger = createLogger("info", { write: (line: string) => void lines.push(JSON.parse(line)) });
    const metrics = new ControllerMetrics();
    loop = new PlanLoop({ step, feed: new TableFeed(60_000), metrics, logger, record: null }, { intervalMs: TICK_MS, refreshMs: 20_000 });
    const fallbacks = () => metric(metrics, "solar_controller_plan_fallbacks_total");
    // Every reason is exported from the start, at 0.
    expect(await fallbacks()).toMatch(/reason="infeasible"} 0\n.*reason="solver_error"} 0\n.*reason="time_budget"} 0/);
    loop.start();
    await loop.idle();
    for (let k = 1; k < script.length; k++) {
      await vi.advanceTimersByTimeAsync(TICK_MS);
      await loop.idle();
    }
    expect(cycle).toBe(script.length);
    const text = await fallbacks();
    expect(text).toMatch(/reason="time_budget"} 2$/m);
    expect(text).toMatch(/reason="infeasible"} 2$/m);
    expect(text).toMatch(/reason="solver_error"} 0$/m);
    const changes = lines.filter((l) => l.msg.includes("predictive planner"));
    expect(changes.map((l) => [l.level, l.reason ?? null])).toEqual([[40, "time_budget"], [40, "infeasible"], [30, null]]);
    expect(changes[0]!.detail).toBe("over 50 ms");
  });
});
