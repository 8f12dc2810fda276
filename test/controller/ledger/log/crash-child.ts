// Child process for the SIGKILL test (not itself a test file): appends forever and prints "<index> <n>" for each resolved
// append of crashEntry(n), so the parent knows what was acknowledged when it kills this process.
import { openLog } from "../../../../controller/ledger/log/open.js";
import { PosixStorage } from "../../../../controller/ledger/storage/posix/posix-storage.js";
import { NOW, ORIGIN, keys } from "../checkpoint/fixed-keys.js";
import { crashEntry } from "./crash-entry.js";

const [dir, start] = process.argv.slice(2);
if (!dir || !start) throw new Error("usage: crash-child <dir> <first n>");
const log = await openLog({ origin: ORIGIN, keys, storage: new PosixStorage(dir), nowSeconds: () => NOW, monotonicMs: () => 0, maxBatchRecords: 64, maxBatchAgeMs: 2 });
let next = Number(start);
for (;;) {
  await Promise.all(
    Array.from({ length: 50 }, () => {
      const n = next++;
      // Pipes are synchronous on Linux, so a printed line was acknowledged before any kill.
      return log.append(crashEntry(n)).then((index) => process.stdout.write(`${index} ${n}\n`));
    }),
  );
}
