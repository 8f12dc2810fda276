// How much one gRPC call may carry: readings per message and per stream, and the server's
// message sizes, which are derived from those caps rather than left at the library defaults.
import type { ServerOptions } from "@grpc/grpc-js";
import { MAX_BATCH_READINGS, MAX_FORECAST_POINTS, MAX_SITE_NAME_LENGTH } from "../energy/reading.js";
import { MAX_RECORD_BYTES } from "../ledger/records/codec.js";

/** Readings in one ReportRequest: the same cap as one HTTP batch. */
export const MAX_MESSAGE_READINGS = MAX_BATCH_READINGS;
/** Readings on one ReportStream call, all messages together. */
export const MAX_STREAM_READINGS = 10_000;

// Protobuf wire sizes of the largest valid messages: every field present at its widest encoding
// (one-byte tags, 10-byte varints for int64, 8-byte doubles, the longest site name).
const TAG = 1;
const DOUBLE = TAG + 8;
const INT64 = TAG + 10;
const UINT32 = TAG + 5;
const ENUM = TAG + 1; // every known value of SiteHealth and IgnoreReason fits in one byte
const varintBytes = (n: number) => Math.max(1, Math.ceil(Math.log2(n + 1) / 7));
const embedded = (body: number) => TAG + varintBytes(body) + body;

const FORECAST_POINT = embedded(INT64 + DOUBLE);
/** Reading: site, timestamp_ms, four optional doubles, health, the most forecast points. */
const READING = embedded(embedded(MAX_SITE_NAME_LENGTH) + INT64 + 4 * DOUBLE + ENUM + MAX_FORECAST_POINTS * FORECAST_POINT);
const IGNORED_READING = embedded(2 * UINT32 + embedded(MAX_SITE_NAME_LENGTH) + ENUM);

/**
 * The largest valid ReportRequest (1,000 readings each with 288 forecast points, ≈ 6.5 MB).
 * Anything larger is refused by the transport (RESOURCE_EXHAUSTED) before it is decoded;
 * within it, counts are checked on the wire before decoding (wire-count.ts).
 */
export const MAX_RECEIVE_MESSAGE_BYTES = MAX_MESSAGE_READINGS * READING;

/**
 * The largest answer: a ReportResponse listing every reading of a full stream as ignored
 * (≈ 0.8 MB), or a LedgerService entry (a record of at most 64 KiB), whichever is larger.
 */
export const MAX_SEND_MESSAGE_BYTES = Math.max(
  UINT32 + MAX_STREAM_READINGS * IGNORED_READING,
  INT64 + embedded(MAX_RECORD_BYTES),
);

export const GRPC_SERVER_OPTIONS: ServerOptions = {
  "grpc.max_receive_message_length": MAX_RECEIVE_MESSAGE_BYTES,
  "grpc.max_send_message_length": MAX_SEND_MESSAGE_BYTES,
};
