// What a ledger directory holds, read with the project's own decoding: the versions of every
// table_published record, and the verifier keys a controller logged when it opened its ledger.
import { readHead, readEntry } from "../../controller/ledger/read-log.js";
import { decodeRecord } from "../../controller/ledger/records/codec.js";
import { PosixStorage } from "../../controller/ledger/storage/posix/posix-storage.js";

export async function ledgerTableVersions(dir: string): Promise<bigint[]> {
  const storage = new PosixStorage(dir);
  const head = await readHead(storage);
  const versions: bigint[] = [];
  for (let i = 0; i < head.size; i++) {
    const record = decodeRecord(await readEntry(storage, i, head.size));
    if (record.error) throw new Error(`entry ${i}: ${record.error.message}`);
    if (record.value.kind === "table_published") versions.push(BigInt(record.value.table_version));
  }
  return versions;
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
