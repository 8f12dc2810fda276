// Reads the import and export signatures out of a Wasm binary. Node's
// WebAssembly.Module.imports/exports give names and kinds but no function types, and the host
// must reject a module whose imports or callbacks have the wrong types, as cpp-host does.
import type { Signature } from "./signatures.js";

export interface ModuleImport {
  module: string;
  name: string;
  kind: "function" | "table" | "memory" | "global" | "tag";
  /** Function imports only. */
  signature?: Signature;
  /** Memory and table imports only. */
  limits?: { min: number; max?: number };
}

export interface ModuleInterface {
  imports: ModuleImport[];
  /** Exported functions → signature. */
  functionExports: Map<string, Signature>;
  otherExports: Set<string>;
}

const VALTYPES: Record<number, string> = {
  0x7f: "i32", 0x7e: "i64", 0x7d: "f32", 0x7c: "f64", 0x7b: "v128", 0x70: "funcref", 0x6f: "externref",
};
const IMPORT_KINDS = ["function", "table", "memory", "global", "tag"] as const;

class Reader {
  pos = 0;
  constructor(private readonly bytes: Uint8Array, private readonly end = bytes.length) {}

  byte(): number {
    if (this.pos >= this.end) throw new Error("truncated Wasm binary");
    return this.bytes[this.pos++]!;
  }

  /** Unsigned LEB128; sizes and indices here fit in 2^53. */
  u32(): number {
    let result = 0;
    let scale = 1;
    for (;;) {
      const b = this.byte();
      result += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) return result;
      scale *= 128;
    }
  }

  name(): string {
    const len = this.u32();
    const start = this.pos;
    this.pos += len;
    if (this.pos > this.end) throw new Error("truncated Wasm binary");
    return new TextDecoder().decode(this.bytes.subarray(start, this.pos));
  }

  valtype(): string {
    const b = this.byte();
    const t = VALTYPES[b];
    if (t === undefined) throw new Error(`unsupported Wasm value type 0x${b.toString(16)}`);
    return t;
  }

  limits(): { min: number; max?: number } {
    const flags = this.byte();
    const min = this.u32();
    return flags & 1 ? { min, max: this.u32() } : { min };
  }
}

function readTypes(r: Reader): Signature[] {
  const types: Signature[] = [];
  const count = r.u32();
  for (let i = 0; i < count; i++) {
    const form = r.byte();
    if (form !== 0x60) throw new Error(`unsupported Wasm type form 0x${form.toString(16)}`);
    const params: string[] = [];
    for (let n = r.u32(); n > 0; n--) params.push(r.valtype());
    const results: string[] = [];
    for (let n = r.u32(); n > 0; n--) results.push(r.valtype());
    types.push(`${params.join(",")}->${results.join(",")}`);
  }
  return types;
}

export function readModuleInterface(bytes: Uint8Array): ModuleInterface {
  const magic = bytes[0] === 0x00 && bytes[1] === 0x61 && bytes[2] === 0x73 && bytes[3] === 0x6d;
  if (!magic || bytes[4] !== 1) throw new Error("not a Wasm binary (version 1)");
  const r = new Reader(bytes);
  r.pos = 8;
  let types: Signature[] = [];
  const funcTypes: Signature[] = []; // function index space: imports first
  const imports: ModuleImport[] = [];
  const functionExports = new Map<string, Signature>();
  const otherExports = new Set<string>();
  while (r.pos < bytes.length) {
    const id = r.byte();
    const size = r.u32();
    const end = r.pos + size;
    const s = new Reader(bytes, end);
    s.pos = r.pos;
    if (id === 1) {
      types = readTypes(s);
    } else if (id === 2) {
      for (let n = s.u32(); n > 0; n--) {
        const module = s.name();
        const name = s.name();
        const kind = IMPORT_KINDS[s.byte()];
        if (kind === undefined) throw new Error(`unsupported import kind for ${module}.${name}`);
        const entry: ModuleImport = { module, name, kind };
        if (kind === "function") {
          entry.signature = types[s.u32()] ?? "?";
          funcTypes.push(entry.signature);
        } else if (kind === "table") {
          s.byte();
          entry.limits = s.limits();
        } else if (kind === "memory") {
          entry.limits = s.limits();
        } else if (kind === "global") {
          s.valtype();
          s.byte();
        } else {
          s.byte();
          s.u32();
        }
        imports.push(entry);
      }
    } else if (id === 3) {
      for (let n = s.u32(); n > 0; n--) funcTypes.push(types[s.u32()] ?? "?");
    } else if (id === 7) {
      for (let n = s.u32(); n > 0; n--) {
        const name = s.name();
        const kind = s.byte();
        const index = s.u32();
        if (kind === 0) functionExports.set(name, funcTypes[index] ?? "?");
        else otherExports.add(name);
      }
    }
    r.pos = end;
  }
  return { imports, functionExports, otherExports };
}
