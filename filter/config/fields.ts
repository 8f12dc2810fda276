// Shared pieces of configuration validation: the error text that names a field, and the value
// checks more than one section uses.
import { JsonKind, JsonValue } from "./json";

export function fieldError(field: string, expected: string, got: JsonValue): string {
  return "field '" + field + "': expected " + expected + ", got " + describe(got);
}

/** For secrets: says what kind of value was given, never the value. */
export function secretFieldError(field: string, expected: string, got: JsonValue): string {
  const what = got.kind == JsonKind.String ? "a string of " + got.str.length.toString() + " characters" : describe(got);
  return "field '" + field + "': expected " + expected + ", got " + what;
}

export function describe(v: JsonValue): string {
  if (v.kind == JsonKind.String) return v.str.length > 40 ? "a string of " + v.str.length.toString() + " characters" : "\"" + v.str + "\"";
  if (v.kind == JsonKind.Number) {
    return Math.floor(v.number) == v.number && Math.abs(v.number) < 9007199254740992.0
      ? (<i64>v.number).toString()
      : v.number.toString();
  }
  if (v.kind == JsonKind.Bool) return v.bool ? "true" : "false";
  if (v.kind == JsonKind.Null) return "null";
  return v.kind == JsonKind.Array ? "an array" : "an object";
}

export function isInteger(v: JsonValue, min: f64, max: f64): bool {
  return v.kind == JsonKind.Number && Math.floor(v.number) == v.number && v.number >= min && v.number <= max;
}

/** A string of `min`..`max` characters from 0x21..0x7e: safe in a header value or a cluster name. */
export function isVisibleAscii(v: JsonValue, min: i32, max: i32): bool {
  if (v.kind != JsonKind.String || v.str.length < min || v.str.length > max) return false;
  for (let i = 0; i < v.str.length; i++) {
    const c = v.str.charCodeAt(i);
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}
