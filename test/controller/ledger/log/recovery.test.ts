import { describe, expect, it } from "vitest";
import { PosixStorage } from "../../../../controller/ledger/storage/posix/posix-storage.js";
import { verifyLog } from "../../../../controller/ledger/verify/verify-log.js";
import { recordBytes } from "../verify/support.js";
import { NOW, trusted } from "../checkpoint/fixed-keys.js";
import { RecordingStorage, open, tempDir } from "./support.js";

describe("recovery after a crash between the bundle writes and the checkpoint", () => {
  it("leaves no stale partial bundle that a later, wider one contradicts", async () => {
    const dir = await tempDir();
    const first = new RecordingStorage(new PosixStorage(dir));
    const log = await open(first);
    await Promise.all(Array.from({ length: 10 }, (_, i) => log.append(recordBytes(i))));
    // The next integration stores its bundle (width 15) and dies before its tiles and checkpoint.
    first.allowWrites = 1;
    const failed = new Promise<void>((resolve) => log.onHealthChange((h) => !h.ok && resolve()));
    const lost = Promise.allSettled(Array.from({ length: 5 }, (_, i) => log.append(recordBytes(100 + i))));
    await failed;
    await log.close({ timeoutMs: 100 });
    expect((await lost).every((o) => o.status === "rejected")).toBe(true);
    const storage = new PosixStorage(dir);
    expect(await storage.list()).toContain("tile/entries/000.p/15");

    const warnings: string[] = [];
    const reopened = await open(storage, { onWarning: (message) => warnings.push(message) });
    expect(reopened.size).toBe(10);
    expect(warnings).toEqual([expect.stringContaining("removed tiles and bundles beyond the checkpoint")]);
    expect(await storage.list()).not.toContain("tile/entries/000.p/15");
    // Other entries take indices 10..19, past the stale width.
    await Promise.all(Array.from({ length: 10 }, (_, i) => reopened.append(recordBytes(200 + i))));
    expect(reopened.size).toBe(20);
    const verdict = await verifyLog(storage, { trusted, nowSeconds: NOW });
    expect(verdict.error).toBeUndefined();
    expect(verdict.value?.size).toBe(20);
  });
});
