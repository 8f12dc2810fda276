import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { verifyCheckpoint } from "../../../../controller/ledger/checkpoint/verify.js";
import { parseBundle } from "../../../../controller/ledger/log/bundle.js";
import { TILE_WIDTH, entryBundle } from "../../../../controller/ledger/merkle/tile-path.js";
import { PosixStorage } from "../../../../controller/ledger/storage/posix/posix-storage.js";
import { NOW, trusted } from "../checkpoint/fixed-keys.js";
import { entry, open, tempDir } from "./support.js";

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

describe("crash by SIGKILL", () => {
  it("keeps every acknowledged entry across two kills mid-write", { timeout: 60_000 }, async () => {
    const dir = await tempDir();
    const acked = new Map<number, number>();
    for (const [start, target] of [[0, 700], [100_000, 500]] as const) for (const [i, n] of await runAndKill(dir, start, target)) acked.set(i, n);

    const storage = new PosixStorage(dir);
    const log = await open(storage); // verifies the checkpoint and the tiles against its root
    const v = verifyCheckpoint((await storage.readCheckpoint())!, trusted, { nowSeconds: NOW });
    expect(v.error).toBeUndefined();
    const size = log.size;
    expect(size).toBeGreaterThanOrEqual(1200);
    for (const [index, n] of acked) {
      const { bundleIndex, offset } = entryBundle(index);
      const width = Math.min(TILE_WIDTH, size - bundleIndex * TILE_WIDTH);
      const bundle = parseBundle((await storage.readEntryBundle(bundleIndex, width))!, width);
      expect(Buffer.from(bundle.value![offset]!).equals(Buffer.from(entry(n)))).toBe(true);
    }
    expect(await log.append(entry(1))).toBe(size);
  });
});
