import { describe, expect, it } from "vitest";
import { WasmResult } from "./abi.js";
import { SharedData } from "./shared-data.js";

describe("SharedData", () => {
  it("reports a missing key as absent", () => {
    const data = new SharedData();
    expect(data.get("nope")).toBeUndefined();
    expect(data.size).toBe(0);
  });

  it("always writes with cas 0, and every write takes a new cas", () => {
    const data = new SharedData();
    expect(data.set("k", "v1")).toBe(WasmResult.Ok);
    const first = data.get("k")!;
    expect(first.text).toBe("v1");
    expect(data.set("k", "v2", 0)).toBe(WasmResult.Ok);
    const second = data.get("k")!;
    expect(second.text).toBe("v2");
    expect(second.cas).not.toBe(first.cas);
    expect(second.cas).not.toBe(0);
  });

  it("writes with the current cas and refuses a stale one without writing", () => {
    const data = new SharedData();
    data.set("k", "v1");
    const { cas } = data.get("k")!;
    expect(data.set("k", "v2", cas)).toBe(WasmResult.Ok);
    expect(data.set("k", "v3", cas)).toBe(WasmResult.CasMismatch);
    expect(data.get("k")!.text).toBe("v2");
  });

  it("creates a missing key whatever the cas, as cpp-host does", () => {
    const data = new SharedData();
    expect(data.set("fresh", "x", 12345)).toBe(WasmResult.Ok);
    expect(data.get("fresh")!.text).toBe("x");
  });

  it("draws cas values from one counter for the whole store", () => {
    const data = new SharedData();
    data.set("a", "1");
    data.set("b", "1");
    data.set("a", "2");
    expect([data.get("b")!.cas, data.get("a")!.cas]).toEqual([2, 3]);
  });

  it("keys by bytes, so keys differing in case are different keys", () => {
    const data = new SharedData();
    data.set("Key", "upper");
    data.set("key", "lower");
    expect(data.get("Key")!.text).toBe("upper");
    expect(data.keys()).toEqual(["Key", "key"]);
  });

  it("stores binary values unchanged", () => {
    const data = new SharedData();
    data.set("bin", new Uint8Array([0, 255, 7]));
    expect([...data.get("bin")!.value]).toEqual([0, 255, 7]);
  });
});
