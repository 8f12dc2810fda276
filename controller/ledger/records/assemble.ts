// Puts chunked records back together while reading the log in order. A record's parts must be
// consecutive entries, part 0 first, all naming the same digest and count; every part but the last
// carries exactly CHUNK_DATA_BYTES; the bytes must hash to the digest, be longer than one entry
// could hold (a record that fits is stored whole, so each record has one form), and decode as a
// canonical record. A set left unfinished is an error: the parts of a record are appended
// together and integrated under one checkpoint, so no stored log holds half of one.
import { ControllerError, type Parsed } from "../../errors/controller-error.js";
import { CHUNK_DATA_BYTES } from "./chunks.js";
import { MAX_RECORD_BYTES, decodeRecord, sha256Hex } from "./codec.js";
import type { LedgerRecord, LogEntry, RecordChunk } from "./record.js";

export interface AssembledRecord {
  readonly record: LedgerRecord;
  /** Index of the record's first entry (its own for a record stored whole). */
  readonly first: number;
  /** Entries it took: 1, or its number of parts. */
  readonly entries: number;
}

interface OpenSet {
  readonly first: number;
  readonly digest: string;
  readonly parts: number;
  readonly pieces: Uint8Array[];
}

export class ChunkAssembler {
  private open: OpenSet | undefined;

  /** The next entry of the log, at `index`: a finished record, undefined while a set is incomplete, or why not. */
  push(entry: LogEntry, index: number): Parsed<AssembledRecord | undefined> {
    if (entry.kind !== "record_chunk") {
      if (this.open) return this.fail(`record_chunk set from entry ${this.open.first} is missing parts ${this.open.pieces.length}..${this.open.parts - 1}`);
      return { value: { record: entry, first: index, entries: 1 } };
    }
    const data = canonicalBase64(entry.data);
    if (!data) return this.fail("record_chunk data is not canonical standard base64");
    const last = entry.part === entry.parts - 1;
    if (entry.part >= entry.parts) return this.fail(`record_chunk part ${entry.part} of ${entry.parts}`);
    if (last ? data.length < 1 || data.length > CHUNK_DATA_BYTES : data.length !== CHUNK_DATA_BYTES) {
      return this.fail(`record_chunk part ${entry.part} of ${entry.parts} carries ${data.length} bytes, expected ${last ? `1..${CHUNK_DATA_BYTES}` : CHUNK_DATA_BYTES}`);
    }
    if (!this.open) {
      if (entry.part !== 0) return this.fail(`record_chunk part ${entry.part} of ${entry.parts} without the parts before it`);
      this.open = { first: index, digest: entry.record_sha256, parts: entry.parts, pieces: [] };
    } else if (!sameSet(this.open, entry)) {
      const o = this.open;
      return this.fail(`record_chunk part ${entry.part} of ${entry.parts} (${entry.record_sha256.slice(0, 12)}…) interrupts the set from entry ${o.first}, which needs part ${o.pieces.length} of ${o.parts}`);
    }
    const set = this.open;
    set.pieces.push(data);
    if (!last) return { value: undefined };
    this.open = undefined;
    const bytes = new Uint8Array(Buffer.concat(set.pieces));
    if (sha256Hex(bytes) !== set.digest) return this.fail(`record_chunk set from entry ${set.first}: its bytes do not hash to record_sha256`);
    if (bytes.length <= MAX_RECORD_BYTES) return this.fail(`record_chunk set from entry ${set.first}: ${bytes.length} bytes fit in one entry, so the record must be stored whole`);
    const record = decodeRecord(bytes);
    if (record.error) return this.fail(`record_chunk set from entry ${set.first}: ${record.error.message}`);
    return { value: { record: record.value, first: set.first, entries: set.parts } };
  }

  /** Why the entries read so far do not end cleanly (a set still missing parts), if they do not. */
  end(): ControllerError | undefined {
    const o = this.open;
    return o && ControllerError.invalid("record", `record_chunk set from entry ${o.first} ends after ${o.pieces.length} of ${o.parts} parts`);
  }

  private fail(message: string): Parsed<AssembledRecord | undefined> {
    this.open = undefined;
    return { error: ControllerError.invalid("record", message) };
  }
}

function sameSet(set: OpenSet, chunk: RecordChunk): boolean {
  return chunk.record_sha256 === set.digest && chunk.parts === set.parts && chunk.part === set.pieces.length;
}

function canonicalBase64(text: string): Uint8Array | undefined {
  if (text.length % 4 !== 0) return undefined;
  const bytes = Buffer.from(text, "base64");
  return bytes.toString("base64") === text ? new Uint8Array(bytes) : undefined;
}
