// The plugin configuration's `controller` object: defaults, every field applied, and each way
// of getting it wrong refused with one log line naming `controller.<field>`.
import { describe, expect, it } from "vitest";
import { startFilter, expectRefused } from "./filter-host.js";
import { WorkerPool } from "./worker-pool.js";


/** The first poll of a one-worker proxy with this configuration. */
async function firstPoll(config: object) {
  const pool = await WorkerPool.start(1, config);
  expect(pool.workers[0]!.configured).toBe(true);
  pool.advance(2 * ((config as { tick_ms?: number }).tick_ms ?? 1000));
  return pool.onlyCall();
}

describe("controller configuration", () => {
  it("needs only the cluster; the rest has defaults", async () => {
    const call = await firstPoll({ controller: { cluster: "outbound|8080||solar-controller.solar.svc.cluster.local" } });
    expect(call.cluster).toBe("outbound|8080||solar-controller.solar.svc.cluster.local");
    expect(call.timeoutMs).toBe(30_000);
    expect(call.headers).toEqual([
      [":method", "GET"], [":path", "/v1/table?wait_ms=20000"],
      [":authority", "outbound|8080||solar-controller.solar.svc.cluster.local"],
      ["accept", "application/vnd.solar-router.table"],
    ]);
  });

  it("applies every field, and sends the token as a bearer token", async () => {
    const call = await firstPoll({
      tick_ms: 200,
      controller: {
        cluster: "ctl", authority: "controller.solar.svc", path: "/api/tables/mesh-a", timeout_ms: 9_000,
        wait_ms: 8_000, lease_ms: 400, token: "s3cr3t-t0ken",
      },
    });
    expect(call.cluster).toBe("ctl");
    expect(call.timeoutMs).toBe(9_000);
    expect(call.headers).toEqual([
      [":method", "GET"], [":path", "/api/tables/mesh-a?wait_ms=8000"], [":authority", "controller.solar.svc"],
      ["accept", "application/vnd.solar-router.table"], ["authorization", "Bearer s3cr3t-t0ken"],
    ]);
  });

  it("defaults lease_ms to three ticks", async () => {
    const pool = await WorkerPool.start(2, { tick_ms: 250, controller: { cluster: "c" } });
    pool.advance(500);
    const first = pool.onlyCall().worker;
    const value = pool.sharedData.get("solar_router.table.lease")!.value;
    const expiresAt = Number(new DataView(value.buffer, value.byteOffset).getBigUint64(8, true));
    // Renewed on the holder's last tick, less than one tick ago.
    expect(expiresAt - 750).toBeLessThanOrEqual(pool.nowMs());
    expect(expiresAt - 750).toBeGreaterThan(pool.nowMs() - 250);
    pool.stop(first);
    pool.advance(1_000);
    expect(pool.onlyCall().worker).not.toBe(first);
  });

  it("takes part in no lease and makes no call without a controller", async () => {
    const f = await startFilter({ tick_ms: 100 });
    f.host.advanceTime(1_000);
    expect(f.host.pendingHttpCalls()).toEqual([]);
    expect(f.host.sharedData.keys()).toEqual([]);
  });

  const refused: Array<[string, object, RegExp]> = [
    ["a controller that is not an object", { controller: "ctl" }, /field 'controller': expected an object with at least 'cluster', got "ctl"/],
    ["a null controller", { controller: null }, /field 'controller': .*got null/],
    ["a missing cluster", { controller: { path: "/t" } }, /field 'controller.cluster': expected an Envoy cluster name, got nothing/],
    ["an empty cluster", { controller: { cluster: "" } }, /field 'controller.cluster': expected an Envoy cluster name .*got ""/],
    ["a cluster with a space", { controller: { cluster: "my cluster" } }, /field 'controller.cluster'.*got "my cluster"/],
    ["an unknown field", { controller: { cluster: "c", url: "http://x" } }, /field 'controller.url': expected no such field \(known: cluster, authority, path/],
    ["an empty authority", { controller: { cluster: "c", authority: "" } }, /field 'controller.authority'/],
    ["a relative path", { controller: { cluster: "c", path: "v1/table" } }, /field 'controller.path': expected a path starting with '\/'/],
    ["a path with a query", { controller: { cluster: "c", path: "/t?x=1" } }, /field 'controller.path'.*got "\/t\?x=1"/],
    ["a fractional timeout", { controller: { cluster: "c", timeout_ms: 1.5 } }, /field 'controller.timeout_ms': expected an integer from 1 to 600000, got 1.5/],
    ["a timeout not above wait_ms", { controller: { cluster: "c", timeout_ms: 5_000, wait_ms: 5_000 } },
      /field 'controller.timeout_ms': expected more than wait_ms \(5000\), got 5000$/],
    ["a wait_ms above the default timeout", { controller: { cluster: "c", wait_ms: 40_000 } },
      /field 'controller.timeout_ms': expected more than wait_ms \(40000\), got 30000 \(the default\)/],
    ["a negative wait_ms", { controller: { cluster: "c", wait_ms: -1 } }, /field 'controller.wait_ms': expected an integer from 0 to 300000, got -1/],
    ["a lease shorter than two ticks", { tick_ms: 1000, controller: { cluster: "c", lease_ms: 1_999 } },
      /field 'controller.lease_ms': expected at least twice tick_ms \(2000\), got 1999/],
    ["a lease shorter than two ticks given after it", { controller: { cluster: "c", lease_ms: 900 }, tick_ms: 500 },
      /field 'controller.lease_ms': expected at least twice tick_ms \(1000\), got 900/],
    ["a lease as a string", { controller: { cluster: "c", lease_ms: "3000" } }, /field 'controller.lease_ms'.*got "3000"/],
    ["an empty token", { controller: { cluster: "c", token: "" } }, /field 'controller.token': expected a bearer token .*got a string of 0 characters/],
  ];
  for (const [name, config, message] of refused) {
    it(`refuses ${name}, with one error line naming the field`, () => expectRefused(config, message));
  }

  it("never echoes a token it refuses", async () => {
    const f = await startFilter({ controller: { cluster: "c", token: "top secret" } });
    expect(f.configured).toBe(false);
    expect(f.host.findLogs(/field 'controller.token': expected a bearer token .*got a string of 10 characters/)).toHaveLength(1);
    expect(f.host.logs.some((l) => l.message.includes("top secret"))).toBe(false);
  });
});
