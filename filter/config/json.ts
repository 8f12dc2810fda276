// A strict JSON reader (RFC 8259) for the plugin configuration: it runs once per configure, so it
// favours clear error messages over speed. Numbers are kept as f64.

export const enum JsonKind { Null, Bool, Number, String, Array, Object }

export class JsonValue {
  kind: JsonKind = JsonKind.Null;
  bool: bool = false;
  number: f64 = 0;
  str: string = "";
  items: JsonValue[] = [];
  keys: string[] = [];
}

export class JsonResult {
  constructor(public value: JsonValue | null, public error: string) {}
}

export function parseJson(text: string): JsonResult {
  const reader = new Reader(text);
  const value = reader.value(0);
  if (value !== null) {
    reader.skipSpace();
    if (reader.pos < text.length) reader.fail("unexpected text after the value");
  }
  return reader.error.length > 0 ? new JsonResult(null, reader.error) : new JsonResult(value, "");
}

const MAX_DEPTH = 16;

class Reader {
  pos: i32 = 0;
  error: string = "";

  constructor(private text: string) {}

  fail(message: string): JsonValue | null {
    if (this.error.length == 0) this.error = message + " at offset " + this.pos.toString();
    return null;
  }

  skipSpace(): void {
    while (this.pos < this.text.length) {
      const c = this.text.charCodeAt(this.pos);
      if (c != 0x20 && c != 0x09 && c != 0x0a && c != 0x0d) break;
      this.pos++;
    }
  }

  private literal(word: string): bool {
    if (this.text.substr(this.pos, word.length) != word) return false;
    this.pos += word.length;
    return true;
  }

  value(depth: i32): JsonValue | null {
    if (depth > MAX_DEPTH) return this.fail("nesting too deep");
    this.skipSpace();
    if (this.pos >= this.text.length) return this.fail("unexpected end of input");
    const c = this.text.charCodeAt(this.pos);
    const v = new JsonValue();
    if (c == 0x7b) return this.object(depth);
    if (c == 0x5b) return this.array(depth);
    if (c == 0x22) {
      const s = this.string();
      if (s === null) return null;
      v.kind = JsonKind.String;
      v.str = s;
      return v;
    }
    if (this.literal("true")) {
      v.kind = JsonKind.Bool;
      v.bool = true;
      return v;
    }
    if (this.literal("false")) {
      v.kind = JsonKind.Bool;
      return v;
    }
    if (this.literal("null")) return v;
    return this.number();
  }

  private number(): JsonValue | null {
    const start = this.pos;
    const t = this.text;
    if (this.pos < t.length && t.charCodeAt(this.pos) == 0x2d) this.pos++;
    if (!this.digits()) return this.fail("expected a value");
    if (t.charCodeAt(start) == 0x30 || (t.charCodeAt(start) == 0x2d && t.charCodeAt(start + 1) == 0x30)) {
      if (this.pos - start > (t.charCodeAt(start) == 0x2d ? 2 : 1)) return this.fail("leading zero in number");
    }
    if (this.pos < t.length && t.charCodeAt(this.pos) == 0x2e) {
      this.pos++;
      if (!this.digits()) return this.fail("expected digits after '.'");
    }
    if (this.pos < t.length && (t.charCodeAt(this.pos) | 0x20) == 0x65) {
      this.pos++;
      if (this.pos < t.length && (t.charCodeAt(this.pos) == 0x2b || t.charCodeAt(this.pos) == 0x2d)) this.pos++;
      if (!this.digits()) return this.fail("expected digits in exponent");
    }
    const v = new JsonValue();
    v.kind = JsonKind.Number;
    v.number = parseFloat(t.substring(start, this.pos));
    return v;
  }

  private digits(): bool {
    const start = this.pos;
    while (this.pos < this.text.length) {
      const c = this.text.charCodeAt(this.pos);
      if (c < 0x30 || c > 0x39) break;
      this.pos++;
    }
    return this.pos > start;
  }

  private string(): string | null {
    this.pos++; // opening quote
    const t = this.text;
    let out = "";
    let runStart = this.pos;
    while (this.pos < t.length) {
      const c = t.charCodeAt(this.pos);
      if (c == 0x22) {
        out += t.substring(runStart, this.pos);
        this.pos++;
        return out;
      }
      if (c < 0x20) {
        this.fail("control character in string");
        return null;
      }
      if (c != 0x5c) {
        this.pos++;
        continue;
      }
      out += t.substring(runStart, this.pos);
      this.pos++;
      if (this.pos >= t.length) break;
      const e = t.charCodeAt(this.pos++);
      if (e == 0x22 || e == 0x5c || e == 0x2f) out += String.fromCharCode(e);
      else if (e == 0x62) out += "\b";
      else if (e == 0x66) out += "\f";
      else if (e == 0x6e) out += "\n";
      else if (e == 0x72) out += "\r";
      else if (e == 0x74) out += "\t";
      else if (e == 0x75) {
        const code = this.text.length >= this.pos + 4 ? I32.parseInt(t.substr(this.pos, 4), 16) : -1;
        if (code < 0 || !isHex4(t, this.pos)) {
          this.fail("bad \\u escape");
          return null;
        }
        out += String.fromCharCode(code);
        this.pos += 4;
      } else {
        this.fail("bad escape");
        return null;
      }
      runStart = this.pos;
    }
    this.fail("unterminated string");
    return null;
  }

  private array(depth: i32): JsonValue | null {
    this.pos++;
    const v = new JsonValue();
    v.kind = JsonKind.Array;
    this.skipSpace();
    if (this.pos < this.text.length && this.text.charCodeAt(this.pos) == 0x5d) {
      this.pos++;
      return v;
    }
    while (true) {
      const item = this.value(depth + 1);
      if (item === null) return null;
      v.items.push(item);
      this.skipSpace();
      if (this.pos >= this.text.length) return this.fail("unterminated array");
      const c = this.text.charCodeAt(this.pos++);
      if (c == 0x5d) return v;
      if (c != 0x2c) return this.fail("expected ',' or ']'");
    }
  }

  private object(depth: i32): JsonValue | null {
    this.pos++;
    const v = new JsonValue();
    v.kind = JsonKind.Object;
    this.skipSpace();
    if (this.pos < this.text.length && this.text.charCodeAt(this.pos) == 0x7d) {
      this.pos++;
      return v;
    }
    while (true) {
      this.skipSpace();
      if (this.pos >= this.text.length || this.text.charCodeAt(this.pos) != 0x22) return this.fail("expected a field name");
      const key = this.string();
      if (key === null) return null;
      if (v.keys.includes(key)) return this.fail("duplicate field '" + key + "'");
      this.skipSpace();
      if (this.pos >= this.text.length || this.text.charCodeAt(this.pos++) != 0x3a) return this.fail("expected ':'");
      const item = this.value(depth + 1);
      if (item === null) return null;
      v.keys.push(key);
      v.items.push(item);
      this.skipSpace();
      if (this.pos >= this.text.length) return this.fail("unterminated object");
      const c = this.text.charCodeAt(this.pos++);
      if (c == 0x7d) return v;
      if (c != 0x2c) return this.fail("expected ',' or '}'");
    }
  }
}

function isHex4(t: string, at: i32): bool {
  for (let i = 0; i < 4; i++) {
    const c = t.charCodeAt(at + i) | 0x20;
    if (!((c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66))) return false;
  }
  return true;
}
