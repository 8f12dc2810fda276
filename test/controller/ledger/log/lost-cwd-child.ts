// Child process for the lost working directory test (not itself a test file). Run with a fresh
// temporary directory as its working directory: opens a log at the relative path "data/ledger",
// appends, deletes its own working directory (as a cleanup job might), appends again and reports
// what the log says, then closes it. Each step prints one line; a spinning write prints nothing more.
import { rm } from "node:fs/promises";
import { openLog } from "../../../../controller/ledger/log/open.js";
import { PosixStorage } from "../../../../controller/ledger/storage/posix/posix-storage.js";
import { NOW, ORIGIN, keys } from "../checkpoint/fixed-keys.js";
import { crashEntry } from "./crash-entry.js";

const cwd = process.cwd();
const log = await openLog({
  origin: ORIGIN, keys, storage: new PosixStorage("data/ledger"), nowSeconds: () => NOW, monotonicMs: () => 0, maxBatchAgeMs: 1,
});
process.stdout.write(`appended ${await log.append(crashEntry(0))}\n`);
await rm(cwd, { recursive: true });
const failing = new Promise<string>((resolve) => log.onHealthChange((h) => !h.ok && resolve(h.lastError ?? "")));
const lost = log.append(crashEntry(1)).then(() => "resolved", (e: Error) => `rejected ${e.message}`);
process.stdout.write(`failing ${await failing}\n`);
await log.close({ timeoutMs: 1_000 });
process.stdout.write(`${await lost}\nclosed\n`);
