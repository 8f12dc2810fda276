// The weight table golden vectors (test/fixtures/tables), as both sides' tests read them.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { RejectReason } from "../../controller/table/format.js";
import type { WeightTable } from "../../controller/table/weight-table.js";

export const TABLE_FIXTURES = join(import.meta.dirname, "..", "fixtures", "tables");

interface TableJson extends Omit<WeightTable, "version" | "issuedAtMs"> {
  version: string;
  issuedAtMs: string;
}

export type TableVector =
  | { file: string; about: string; expect: "accept"; table: WeightTable; bytes: Uint8Array }
  | { file: string; about: string; expect: "reject"; reason: RejectReason; bytes: Uint8Array };

type RawVector =
  | { file: string; about: string; expect: "accept"; table: TableJson }
  | { file: string; about: string; expect: "reject"; reason: RejectReason };

export function loadTableVectors(): TableVector[] {
  const raw = JSON.parse(readFileSync(join(TABLE_FIXTURES, "vectors.json"), "utf8")) as RawVector[];
  return raw.map((v) => {
    const bytes = new Uint8Array(readFileSync(join(TABLE_FIXTURES, v.file)));
    if (v.expect === "reject") return { ...v, bytes };
    const table: WeightTable = { ...v.table, version: BigInt(v.table.version), issuedAtMs: BigInt(v.table.issuedAtMs) };
    return { ...v, table, bytes };
  });
}
