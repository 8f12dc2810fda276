import { describe, expect, it } from "vitest";
import { readRecentRecords, readRecord } from "../../../controller/ledger/read-log.js";
import { HttpReader } from "../../../controller/ledger/verify/http-reader.js";
import { serveDir } from "./verify/serve-dir.js";
import { buildChunkedLog, buildLog, record } from "./verify/support.js";

describe("readRecentRecords", () => {
  it("returns the newest records first, large ones put back together", async () => {
    const log = await buildChunkedLog();
    const all = log.records.map((r) => r.record).reverse();
    expect(all.map((r) => r.kind)).toEqual([
      "energy_snapshot", "config_changed", "config_changed", "config_changed", "energy_snapshot",
      "config_changed", "config_changed", "config_changed", "config_changed", "config_changed",
    ]);
    expect(await readRecentRecords(log.storage, 1)).toEqual(all.slice(0, 1));
    expect(await readRecentRecords(log.storage, 5)).toEqual(all.slice(0, 5));
    expect(await readRecentRecords(log.storage, 1000)).toEqual(all);
    const served = await serveDir(log.dir);
    try {
      expect(await readRecentRecords(new HttpReader(served.url), 6)).toEqual(all.slice(0, 6));
    } finally {
      await served.close();
    }
  });

  it("reads across bundle boundaries and from an empty log", async () => {
    const log = await buildLog([300]);
    expect(await readRecentRecords(log.storage, 50)).toEqual(Array.from({ length: 50 }, (_, i) => record(299 - i)));
    expect(await readRecentRecords((await buildLog([0])).storage, 3)).toEqual([]);
    await expect(readRecentRecords(log.storage, 0)).rejects.toThrow(/limit/);
  });
});

describe("readRecord", () => {
  it("gives the whole record for any of its parts", async () => {
    const log = await buildChunkedLog();
    const big = log.records[5]!;
    const size = log.records.at(-1)!.first + 3;
    for (const index of [big.first, big.first + 1, big.first + 2]) {
      expect(await readRecord(log.storage, index, size)).toEqual({ record: big.record, first: big.first, entries: 3 });
    }
    expect(await readRecord(log.storage, 2, size)).toEqual({ record: log.records[2]!.record, first: 2, entries: 1 });
  });
});
