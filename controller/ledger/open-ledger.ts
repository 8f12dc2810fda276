// Opens the controller's ledger as configured: keys from env or the key directory (generated on
// first start), tiles on local disk (this process its only writer), metrics on the controller's
// registry, warnings to the controller's log, and the recorder that the plan loop feeds.
import type { Registry } from "prom-client";
import type { ControllerConfig } from "../config/load.js";
import type { Logger } from "../ops/logger.js";
import { loadLogKeys } from "./checkpoint/key-store.js";
import { formatVkey } from "./checkpoint/vkey.js";
import type { Log } from "./log/append.js";
import { openLog } from "./log/open.js";
import { LedgerRecorder } from "./recorder.js";
import { PosixStorage } from "./storage/posix/posix-storage.js";

export interface OpenLedger {
  log: Log;
  storage: PosixStorage;
  recorder: LedgerRecorder;
  /** The verifier keys, in vkey form, for auditors. */
  vkeys: string[];
}

export async function openLedger(
  config: ControllerConfig["ledger"], logger: Logger, registry: Registry,
): Promise<OpenLedger> {
  const keys = await loadLogKeys({ name: config.origin, dir: config.keysDir, env: process.env });
  if (keys.error) throw keys.error;
  const storage = new PosixStorage(config.dir, { registry });
  const log = await openLog({
    origin: config.origin, keys: keys.value, storage, registry,
    onWarning: (message, details) => logger.warn({ ...details, dir: storage.dir }, message),
  });
  const vkeys = [formatVkey(keys.value.ed25519.verifier), formatVkey(keys.value.mlDsa44.verifier)];
  logger.info({ dir: storage.dir, size: log.size, vkeys }, "ledger open");
  return { log, storage, recorder: new LedgerRecorder(log), vkeys };
}
