// A small strict CSV reader (RFC 4180: comma-separated, fields optionally in double quotes with
// "" for a quote, LF or CRLF line ends). Every record must have as many fields as the header;
// nothing is skipped. No CSV package is among the dependencies, and this is all the traces need.
import { ScenarioError, at } from "./scenario-error.js";

export interface CsvRecord {
  /** Line (1-based) the record starts on. */
  readonly line: number;
  readonly fields: readonly string[];
}

export interface CsvTable {
  readonly header: readonly string[];
  readonly records: readonly CsvRecord[];
}

/** Parses `text` (the contents of `file`, named in errors). Throws ScenarioError. */
export function parseCsv(file: string, text: string): CsvTable {
  const rows = splitRecords(file, text.startsWith("\uFEFF") ? text.slice(1) : text);
  const head = rows[0];
  if (head === undefined) throw new ScenarioError(`${file}: empty file, expected a header line`);
  for (const row of rows) {
    if (row.fields.length !== head.fields.length) {
      throw new ScenarioError(`${at(file, row.line)}: ${row.fields.length} fields, the header has ${head.fields.length}`);
    }
  }
  return { header: head.fields, records: rows.slice(1) };
}

function splitRecords(file: string, text: string): CsvRecord[] {
  const records: CsvRecord[] = [];
  let fields: string[] = [];
  let field = "";
  // True once a field has been read from quotes: only a separator or a line end may follow.
  let quoted = false;
  let line = 1;
  let recordLine = 1;
  let i = 0;
  const endField = (): void => {
    fields.push(field);
    field = "";
    quoted = false;
  };
  while (i < text.length) {
    const c = text[i]!;
    if (c === ",") {
      endField();
      i++;
    } else if (c === "\n" || c === "\r") {
      endField();
      records.push({ line: recordLine, fields });
      fields = [];
      i += c === "\r" && text[i + 1] === "\n" ? 2 : 1;
      line++;
      recordLine = line;
    } else if (quoted) {
      throw new ScenarioError(`${at(file, line)}: text after the closing quote of field ${fields.length + 1}`);
    } else if (c === '"') {
      if (field !== "") throw new ScenarioError(`${at(file, line)}: a quote inside unquoted field ${fields.length + 1}`);
      const opened = line;
      i++;
      for (;;) {
        const q = text[i];
        if (q === undefined) throw new ScenarioError(`${at(file, opened)}: a quoted field is never closed`);
        if (q === '"' && text[i + 1] === '"') {
          field += '"';
          i += 2;
        } else if (q === '"') {
          i++;
          break;
        } else {
          if (q === "\n") line++;
          field += q;
          i++;
        }
      }
      quoted = true;
    } else {
      field += c;
      i++;
    }
  }
  // The last line may end without a line break; a file ending in one has no extra record.
  if (field !== "" || quoted || fields.length > 0) {
    endField();
    records.push({ line: recordLine, fields });
  }
  return records;
}
