// Child process for the writer lock test (not itself a test file): takes the lock on a directory,
// says so, and holds it until killed.
import { PosixStorage } from "../../../../../controller/ledger/storage/posix/posix-storage.js";

const [dir] = process.argv.slice(2);
if (!dir) throw new Error("usage: lock-child <dir>");
await new PosixStorage(dir).lockWriter();
process.stdout.write(`locked ${process.pid}\n`);
setInterval(() => undefined, 60_000);
