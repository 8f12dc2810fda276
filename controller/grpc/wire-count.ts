// Counts a ReportRequest's readings, and each reading's forecast points, on the protobuf wire
// before anything is decoded. protobufjs builds every reading of a message before a handler
// runs, so a 4 MB message of two million empty readings would block the event loop for seconds
// only to be refused afterwards; the scan reads tags and lengths, allocates nothing per field,
// and lets the handler refuse such a message at the cost of one pass over its bytes. Decoding
// waits until the handler asks, so a stream's budget is checked on these counts too.
import { ControllerError } from "../errors/controller-error.js";
import { MAX_FORECAST_POINTS } from "../ingest/energy/reading.js";
import { MAX_MESSAGE_FORECAST_POINTS, MAX_MESSAGE_READINGS } from "./limits.js";

const READINGS_FIELD = 1; // ReportRequest.readings
const FORECAST_FIELD = 8; // Reading.forecast

/** What a guarded deserializer hands the handler instead of a message it would not decode. */
export class RefusedMessage {
  constructor(readonly field: string, readonly problem: string) {}

  /** The refusal as an error, its field under `prefix` (e.g. "messages.2." on a stream). */
  toError(prefix = ""): ControllerError {
    return ControllerError.invalid(prefix + this.field, this.problem);
  }
}

/** A message within the per-message caps, counted and not yet decoded. */
export class CountedMessage<T> {
  constructor(
    readonly readings: number,
    readonly forecastPoints: number,
    private readonly bytes: Buffer,
    private readonly deserialize: (bytes: Buffer) => T,
  ) {}

  decode(): T | RefusedMessage {
    try {
      return this.deserialize(this.bytes);
    } catch (e) {
      return new RefusedMessage("(message)", `not a valid ReportRequest: ${(e as Error).message}`);
    }
  }
}

export interface WireCounts {
  readings: number;
  /** All readings' forecast points together (counted up to the first reading over the cap). */
  forecastPoints: number;
  /** The first reading with more forecast points than allowed, if any. */
  forecastOver?: { index: number; points: number };
}

/** Counts on the wire; null when the bytes are not protobuf wire format. */
export function countReadings(bytes: Uint8Array): WireCounts | null {
  const counts: WireCounts = { readings: 0, forecastPoints: 0 };
  const ok = eachField(bytes, 0, bytes.length, READINGS_FIELD, (from, to) => {
    const index = counts.readings++;
    if (counts.forecastOver !== undefined) return true;
    let points = 0;
    if (!eachField(bytes, from, to, FORECAST_FIELD, () => (points++, true))) return false;
    if (points > MAX_FORECAST_POINTS) counts.forecastOver = { index, points };
    else counts.forecastPoints += points;
    return true;
  });
  return ok ? counts : null;
}

/**
 * Wraps a method's request deserializer: over the per-message caps, or not protobuf, the handler
 * receives a RefusedMessage (answered INVALID_ARGUMENT); otherwise a CountedMessage, which the
 * handler decodes once its own checks pass.
 */
export function guardDeserializer<T>(deserialize: (bytes: Buffer) => T): (bytes: Buffer) => CountedMessage<T> | RefusedMessage {
  return (bytes) => {
    const counts = countReadings(bytes);
    if (counts === null) return new RefusedMessage("(message)", "not a valid ReportRequest: malformed protobuf wire format");
    if (counts.readings > MAX_MESSAGE_READINGS) {
      return new RefusedMessage("readings", `${counts.readings} readings in one message; at most ${MAX_MESSAGE_READINGS}`);
    }
    if (counts.forecastOver !== undefined) {
      const { index, points } = counts.forecastOver;
      return new RefusedMessage(`readings.${index}.forecast`, `${points} points; at most ${MAX_FORECAST_POINTS}`);
    }
    if (counts.forecastPoints > MAX_MESSAGE_FORECAST_POINTS) {
      return new RefusedMessage("readings.forecast", `${counts.forecastPoints} forecast points in one message; at most ${MAX_MESSAGE_FORECAST_POINTS}`);
    }
    return new CountedMessage(counts.readings, counts.forecastPoints, bytes, deserialize);
  };
}

/**
 * Walks the fields in bytes[start, end) and calls visit with the bounds of every
 * length-delimited field `field`. False if the bytes are malformed or visit returns false.
 */
function eachField(bytes: Uint8Array, start: number, end: number, field: number, visit: (from: number, to: number) => boolean): boolean {
  const cursor = new Cursor(bytes, start, end);
  while (cursor.pos < end) {
    const key = cursor.varint();
    if (key < 0) return false;
    const wireType = key % 8;
    if (wireType === 0) {
      if (cursor.varint() < 0) return false;
    } else if (wireType === 1 || wireType === 5) {
      cursor.pos += wireType === 1 ? 8 : 4;
    } else if (wireType === 2) {
      const length = cursor.varint();
      if (length < 0 || cursor.pos + length > end) return false;
      const from = cursor.pos;
      cursor.pos += length;
      if (Math.floor(key / 8) === field && !visit(from, cursor.pos)) return false;
    } else {
      return false; // groups (3, 4) and the unused types 6, 7 are not in these messages
    }
  }
  return cursor.pos === end;
}

class Cursor {
  constructor(readonly bytes: Uint8Array, public pos: number, readonly end: number) {}

  /** The next varint's value (exact up to 2^53), or -1 if it is cut off or longer than 10 bytes. */
  varint(): number {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 10 && this.pos < this.end; i++) {
      const byte = this.bytes[this.pos++]!;
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) return value;
      scale *= 128;
    }
    return -1;
  }
}
