// What a ledger directory holds, read with the project's own decoding: the versions of every
// table_published record, and the verifier keys a controller logged when it opened its ledger.
import { readHead, readRecentRecords } from "../../controller/ledger/read-log.js";
import { PosixStorage } from "../../controller/ledger/storage/posix/posix-storage.js";

export async function ledgerTableVersions(dir: string): Promise<bigint[]> {
  const storage = new PosixStorage(dir);
  const records = await readRecentRecords(storage, (await readHead(storage)).size);
  return records.flatMap((r) => (r.kind === "table_published" ? [BigInt(r.table_version)] : [])).reverse();
}

/** The two vkeys from the controller's "ledger open" log line. */
export function vkeysFromLogs(lines: readonly string[]): string[] {
  for (const line of lines) {
    if (!line.includes('"msg":"ledger open"')) continue;
    const vkeys = (JSON.parse(line) as { vkeys?: string[] }).vkeys;
    if (vkeys?.length === 2) return vkeys;
  }
  throw new Error(`no "ledger open" line with two vkeys in the controller's logs:\n${lines.slice(-10).join("\n")}`);
}
