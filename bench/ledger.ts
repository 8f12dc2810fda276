// `npm run bench:ledger`: the ledger on local disk with its default batching. Sustained appends of
// real canonical records for --seconds (default 20), then prints records/s, time-to-durable
// (append call → promise resolved, which happens only after the checkpoint covering the record
// is stored) p50/p99, checkpoints/s and the time to sign one checkpoint. Then, if --verify-size is
// set (default 1,000,000), builds a log of that size and times an offline verify of it.
//
// Usage: npx tsx bench/ledger.ts [--seconds 20] [--in-flight 8192] [--verify-size 1000000]
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { loadLogKeys } from "../controller/ledger/checkpoint/key-store.js";
import { signCheckpoint } from "../controller/ledger/checkpoint/sign.js";
import { openLog } from "../controller/ledger/log/open.js";
import { emptyRoot } from "../controller/ledger/merkle/hash.js";
import { encodeRecord } from "../controller/ledger/records/codec.js";
import { PosixStorage } from "../controller/ledger/storage/posix/posix-storage.js";
import type { LogStorage } from "../controller/ledger/storage/storage.js";
import { verifyLog } from "../controller/ledger/verify/verify-log.js";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "20" },
    "in-flight": { type: "string", default: "8192" },
    "verify-size": { type: "string", default: "1000000" },
  },
});
const SECONDS = Number(values.seconds);
const IN_FLIGHT = Number(values["in-flight"]);
const ORIGIN = "bench.solar-router.local/ledger";
const TARGET_RPS = 50_000;
const VERIFY_SIZE = Number(values["verify-size"]);
const VERIFY_BUDGET_S = 30;

function record(i: number): Uint8Array {
  const encoded = encodeRecord({
    kind: "report_summary", v: 1, window_start_ms: 1_767_225_600_000 + i, window_end_ms: 1_767_225_610_000 + i, reporters: 2,
    entries: [{ table_version: String(1_767_225_600_000 + i), service: "shop.example.com", upstream: "site-a", requests: i % 997, responses_5xx: i % 7 }],
  });
  if (encoded.error) throw encoded.error;
  return encoded.value;
}

function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** Counts checkpoint writes. */
function counting(storage: LogStorage): { storage: LogStorage; checkpoints: () => number } {
  let n = 0;
  return {
    storage: Object.assign(Object.create(storage) as LogStorage, {
      writeCheckpoint: async (note: Uint8Array) => {
        n++;
        return storage.writeCheckpoint(note);
      },
    }),
    checkpoints: () => n,
  };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "bench-ledger-"));
  try {
    const keys = await loadLogKeys({ name: ORIGIN, dir: join(dir, "keys") });
    if (keys.error) throw keys.error;
    const signStart = performance.now();
    for (let i = 0; i < 20; i++) signCheckpoint({ origin: ORIGIN, size: BigInt(i), rootHash: emptyRoot(), extensions: [] }, keys.value, 1);
    const signMs = (performance.now() - signStart) / 20;

    const { storage, checkpoints } = counting(new PosixStorage(join(dir, "log")));
    const log = await openLog({ origin: ORIGIN, keys: keys.value, storage });
    const latencies: number[] = [];
    let next = 0;
    let inFlight = 0;
    const deadline = performance.now() + SECONDS * 1_000;
    const started = performance.now();
    const startCheckpoints = checkpoints();
    await new Promise<void>((done) => {
      const pump = (): void => {
        while (inFlight < IN_FLIGHT && performance.now() < deadline) {
          const t0 = performance.now();
          inFlight++;
          log.append(record(next++)).then(() => {
            latencies.push(performance.now() - t0);
            inFlight--;
            if (performance.now() < deadline) pump();
            else if (inFlight === 0) done();
          }, (e: unknown) => {
            inFlight--;
            console.error(`append failed: ${(e as Error).message}`);
            if (inFlight === 0) done();
          });
        }
      };
      pump();
    });
    const elapsed = (performance.now() - started) / 1_000;
    const sorted = Float64Array.from(latencies).sort();
    const rps = latencies.length / elapsed;
    console.log(`bench:ledger — local disk, default batching, ${elapsed.toFixed(1)} s, up to ${IN_FLIGHT} appends in flight`);
    console.log(`records durable: ${latencies.length.toLocaleString("en")} (${rps.toFixed(0)} records/s; target ≥ ${TARGET_RPS}: ${rps >= TARGET_RPS ? "met" : "NOT met"})`);
    console.log(`time to durable: p50 ${percentile(sorted, 50).toFixed(1)} ms, p99 ${percentile(sorted, 99).toFixed(1)} ms`);
    console.log(`checkpoints: ${checkpoints() - startCheckpoints} (${((checkpoints() - startCheckpoints) / elapsed).toFixed(1)}/s), ` +
      `${(latencies.length / Math.max(1, checkpoints() - startCheckpoints)).toFixed(0)} records per checkpoint`);
    console.log(`signing one checkpoint (Ed25519 + ML-DSA-44): ${signMs.toFixed(1)} ms`);

    if (VERIFY_SIZE > 0) {
      // Grow the same log to the size to verify, as fast as the log takes it.
      while (log.size < VERIFY_SIZE) {
        const n = Math.min(8_192, VERIFY_SIZE - log.size);
        const from = next;
        next += n;
        await Promise.all(Array.from({ length: n }, (_, k) => log.append(record(from + k))));
      }
      await log.flush();
      const trusted = { origin: ORIGIN, ed25519: keys.value.ed25519.verifier, mlDsa44: keys.value.mlDsa44.verifier };
      const verifyStart = performance.now();
      const verdict = await verifyLog(new PosixStorage(join(dir, "log")), { trusted, nowSeconds: Math.floor(Date.now() / 1000) });
      const seconds = (performance.now() - verifyStart) / 1_000;
      if (verdict.error) throw new Error(`verify failed: ${verdict.error.file}: ${verdict.error.message}`);
      console.log(`verify of ${verdict.value.size.toLocaleString("en")} entries (signatures, every record, every hash and tile): ` +
        `${seconds.toFixed(1)} s (target ≤ ${VERIFY_BUDGET_S} s: ${seconds <= VERIFY_BUDGET_S ? "met" : "NOT met"})`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
