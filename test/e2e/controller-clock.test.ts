// A controller whose clock is behind what its ledger holds (stepped back an hour, or restored on a
// host with a slow clock): it still starts, says so, publishes versions above the last recorded
// one (so proxies, which only take newer versions, keep taking its tables), and its checkpoints'
// timestamps do not go backwards.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { parseSignedNote } from "../../controller/ledger/checkpoint/signed-note.js";
import { decodeTimestampedSignature } from "../../controller/ledger/checkpoint/cosignature.js";
import { loadLogKeys } from "../../controller/ledger/checkpoint/key-store.js";
import { openLog } from "../../controller/ledger/log/open.js";
import { encodeRecordEntries } from "../../controller/ledger/records/codec.js";
import { PosixStorage } from "../../controller/ledger/storage/posix/posix-storage.js";
import { parseEtag } from "../../controller/http/table-route.js";
import { startControllerProcess, type ControllerProcess } from "../support/controller-process.js";

const ORIGIN = "solar-router.local/ledger";
const AHEAD_S = 3_600;

let controller: ControllerProcess | undefined;
let cwd: string | undefined;
afterEach(async () => {
  await controller?.kill();
  controller = undefined;
  if (cwd) rmSync(cwd, { recursive: true, force: true });
});

/** A ledger written by a controller whose clock ran an hour ahead: its last table and checkpoint. */
async function ledgerFromTheFuture(dir: string): Promise<{ version: bigint; cosignedAt: bigint }> {
  const keys = await loadLogKeys({ name: ORIGIN, dir: join(dir, "data", "ledger-keys"), env: {} });
  if (keys.error) throw keys.error;
  const aheadSeconds = Math.floor(Date.now() / 1000) + AHEAD_S;
  const log = await openLog({ origin: ORIGIN, keys: keys.value, storage: new PosixStorage(join(dir, "data", "ledger")), nowSeconds: () => aheadSeconds });
  const version = BigInt(aheadSeconds) * 1000n;
  const entries = encodeRecordEntries({
    kind: "table_published", v: 1, table_version: version.toString(), issued_at_ms: Number(version), ttl_ms: 60_000,
    table_sha256: "ab".repeat(32), inputs_sha256: "cd".repeat(32), model: { id: "baseline-smart-persistence", sha256: null },
    services: [{ key: "shop.example.com", upstreams: [{ name: "site-ber", weight: 10_000, draining: false }] }],
  });
  if (entries.error) throw entries.error;
  await log.appendAll(entries.value, { urgent: true });
  await log.close();
  return { version, cosignedAt: cosignedAt(log.checkpoint) };
}

function cosignedAt(note: string): bigint {
  const signed = parseSignedNote(note);
  if (signed.error) throw signed.error;
  for (const line of signed.value.signatures) {
    const stamped = decodeTimestampedSignature(line.signature);
    if (typeof stamped !== "string") return stamped.timestamp;
  }
  throw new Error("no timestamped cosignature in the checkpoint");
}

describe("controller with its clock behind its ledger", () => {
  it("starts, warns, publishes above the last recorded version and never signs an earlier time", async () => {
    cwd = mkdtempSync(join(tmpdir(), "solar-clock-"));
    const past = await ledgerFromTheFuture(cwd);
    controller = await startControllerProcess({ cwd });
    const logs = controller.logs().join("\n");
    expect(logs).toMatch(/stored checkpoint is from the future/);
    expect(logs).toMatch(/last table version is ahead of the clock/);

    const res = await fetch(`${controller.url}/v1/table`, { headers: controller.readerHeaders() });
    expect(res.status).toBe(200);
    const version = parseEtag(res.headers.get("etag") ?? undefined)!;
    expect(version > past.version).toBe(true);

    const checkpoint = await (await fetch(`${controller.url}/ledger/checkpoint`)).text();
    expect(cosignedAt(checkpoint) >= past.cosignedAt).toBe(true);
    expect((await fetch(`${controller.url}/readyz`)).status).toBe(200);
    expect(await controller.stop()).toBe(0);
  });
});
