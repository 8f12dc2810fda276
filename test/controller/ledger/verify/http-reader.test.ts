import { rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { HttpReader } from "../../../../controller/ledger/verify/http-reader.js";
import { verifyLog } from "../../../../controller/ledger/verify/verify-log.js";
import { serveDir, type Served } from "./serve-dir.js";
import { NOW, buildLog, otherTrusted, readBytes, trusted } from "./support.js";

const servers: Served[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(dir: string, options: { failWith?: number } = {}): Promise<Served> {
  const s = await serveDir(dir, options);
  servers.push(s);
  return s;
}

const opts = { trusted, nowSeconds: NOW };

describe("HttpReader", () => {
  it("reads what the directory holds, and undefined for a 404", async () => {
    const log = await buildLog([300]);
    const reader = new HttpReader((await serve(log.dir)).url + "/");
    expect(await reader.readCheckpoint()).toEqual(new Uint8Array(await readBytes(log.dir, "checkpoint")));
    expect(await reader.readTile(0, 1, 44)).toEqual(new Uint8Array(await readBytes(log.dir, "tile/0/001.p/44")));
    expect(await reader.readEntryBundle(0, 256)).toEqual(new Uint8Array(await readBytes(log.dir, "tile/entries/000")));
    expect(await reader.readTile(0, 9, 256)).toBeUndefined();
  });

  it("gives verifyLog the same verdicts as the directory", async () => {
    const log = await buildLog([100, 517]);
    const served = await serve(log.dir);
    const reader = new HttpReader(served.url);
    const local = await verifyLog(log.storage, opts);
    expect(await verifyLog(reader, opts)).toEqual(local);
    expect(served.requests).toEqual(expect.arrayContaining(["checkpoint", "tile/entries/002.p/5", "tile/1/000.p/2"]));
    expect((await verifyLog(reader, { ...opts, olderCheckpoint: log.notes[0] })).value).toEqual(local.value);
    expect((await verifyLog(reader, { trusted: otherTrusted, nowSeconds: NOW })).error?.file).toBe("checkpoint");

    for (const file of ["checkpoint", "tile/0/001", "tile/1/000.p/2", "tile/entries/001", "tile/entries/002.p/5"]) {
      const original = await readBytes(log.dir, file);
      const bad = Buffer.from(original);
      const mid = bad.length >> 1;
      bad[mid] = (bad[mid] as number) ^ 0x01;
      await writeFile(join(log.dir, file), bad);
      const [overHttp, onDisk] = [await verifyLog(reader, opts), await verifyLog(log.storage, opts)];
      expect(overHttp.error?.file).toBe(file);
      expect(overHttp).toEqual(onDisk);
      await writeFile(join(log.dir, file), original);
    }
    await rm(join(log.dir, "tile/0/002.p/5"));
    expect((await verifyLog(reader, opts)).error).toEqual({ file: "tile/0/002.p/5", message: "missing" });
  });

  it("reports a server error as a failure to read the file", async () => {
    const log = await buildLog([3]);
    const verdict = await verifyLog(new HttpReader((await serve(log.dir, { failWith: 500 })).url), opts);
    expect(verdict.error?.file).toBe("checkpoint");
    expect(verdict.error?.message).toMatch(/HTTP 500/);
  });

  it("refuses a base that is not an http(s) URL", () => {
    expect(() => new HttpReader("ftp://x/ledger")).toThrow(/baseUrl/);
    expect(() => new HttpReader("not a url")).toThrow();
  });
});
