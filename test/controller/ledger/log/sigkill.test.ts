import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { verifyCheckpoint } from "../../../../controller/ledger/checkpoint/verify.js";
import { parseBundle } from "../../../../controller/ledger/log/bundle.js";
import { TILE_WIDTH, entryBundle } from "../../../../controller/ledger/merkle/tile-path.js";
import { PosixStorage } from "../../../../controller/ledger/storage/posix/posix-storage.js";
import { NOW, trusted } from "../checkpoint/fixed-keys.js";
import { open, tempDir } from "./support.js";
import { crashEntry } from "./crash-entry.js";
import { verifyLog } from "../../../../controller/ledger/verify/verify-log.js";
import { prng } from "../../../support/table-mutations.js";

const child = fileURLToPath(new URL("./crash-child.ts", import.meta.url));

/** Runs the child until it has acknowledged `atLeast` appends, then SIGKILLs it. */
function runAndKill(dir: string, start: number, atLeast: number): Promise<Map<number, number>> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ["--import", "tsx", child, dir, String(start)], { stdio: ["ignore", "pipe", "pipe"] });
    const acked = new Map<number, number>();
    let buffered = "";
    let stderr = "";
    proc.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    proc.stdout.on("data", (d: Buffer) => {
      buffered += d.toString();
      const lines = buffered.split("\n");
      buffered = lines.pop() ?? "";
      for (const line of lines) {
        const [index, n] = line.split(" ").map(Number);
        acked.set(index as number, n as number);
      }
      if (acked.size >= atLeast) proc.kill("SIGKILL");
    });
    proc.on("exit", (_code, signal) => (signal === "SIGKILL" ? resolve(acked) : reject(new Error(`child exited without being killed: ${stderr}`))));
  });
}

const KILLS = 20;

describe("crash by SIGKILL", () => {
  it(`keeps every acknowledged entry across ${KILLS} kills at random moments`, { timeout: 180_000 }, async () => {
    const dir = await tempDir();
    const acked = new Map<number, number>();
    const rand = prng(20261125);
    for (let kill = 0; kill < KILLS; kill++) {
      // Killed after a random number of acknowledged appends: writes of later batches are in flight.
      for (const [i, n] of await runAndKill(dir, kill * 100_000, 20 + rand(400))) acked.set(i, n);
      const storage = new PosixStorage(dir);
      const log = await open(storage); // verifies the checkpoint and the tiles against its root
      expect(verifyCheckpoint((await storage.readCheckpoint())!, trusted, { nowSeconds: NOW }).error, `after kill ${kill + 1}`).toBeUndefined();
      // Every entry, every tile, both signatures.
      expect((await verifyLog(storage, { trusted, nowSeconds: NOW })).error, `verify after kill ${kill + 1}`).toBeUndefined();
      const size = log.size;
      expect(size).toBeGreaterThanOrEqual(Math.max(...acked.keys()) + 1);
      for (const [index, n] of acked) {
        const { bundleIndex, offset } = entryBundle(index);
        const width = Math.min(TILE_WIDTH, size - bundleIndex * TILE_WIDTH);
        const bundle = parseBundle((await storage.readEntryBundle(bundleIndex, width))!, width);
        expect(Buffer.from(bundle.value![offset]!).equals(Buffer.from(crashEntry(n))), `entry ${index} after kill ${kill + 1}`).toBe(true);
      }
      await log.close(); // the next child takes the writer lock
    }
    const log = await open(new PosixStorage(dir));
    expect(await log.append(crashEntry(1))).toBe(log.size - 1);
  });
});
