// How much one gRPC call may carry (readings and forecast points per message and per stream),
// how many calls may be open at once, and the server's message sizes, which are derived from
// those caps rather than left at the library defaults.
import type { ServerOptions } from "@grpc/grpc-js";
import { MAX_BATCH_READINGS, MAX_FORECAST_POINTS, MAX_SITE_NAME_LENGTH } from "../ingest/energy/reading.js";
import { MAX_RECORD_BYTES } from "../ledger/records/codec.js";

/** Readings in one ReportRequest: the same cap as one HTTP batch. */
export const MAX_MESSAGE_READINGS = MAX_BATCH_READINGS;
/** Readings on one ReportStream call, all messages together. */
export const MAX_STREAM_READINGS = 10_000;
/**
 * Forecast points on one ReportStream call, all messages together: 500 sites each sending a
 * reading with a day of 5-minute points (144,000). A stream keeps what it has read until it
 * ends, ≈ 100 bytes per point once validated, so this bounds one stream to ≈ 15 MB.
 */
export const MAX_STREAM_FORECAST_POINTS = 500 * MAX_FORECAST_POINTS;
/** Forecast points in one ReportRequest (a Report, or one message of a stream): a whole stream's worth. */
export const MAX_MESSAGE_FORECAST_POINTS = MAX_STREAM_FORECAST_POINTS;
/**
 * ReportStream calls open at once, server-wide; one more is refused with RESOURCE_EXHAUSTED and
 * a retry hint. With the caps above, all open streams together hold at most ≈ 120 MB.
 */
export const MAX_OPEN_REPORT_STREAMS = 8;
/**
 * A ReportStream that sends nothing for this long, or stays open longer than the next, is ended
 * with DEADLINE_EXCEEDED (nothing of it applied), so idle or slow-drip clients cannot keep the
 * MAX_OPEN_REPORT_STREAMS slots from everyone else.
 */
export const REPORT_STREAM_IDLE_MS = 30_000;
export const REPORT_STREAM_MAX_MS = 300_000;
/** How long a client refused for MAX_OPEN_REPORT_STREAMS is asked to wait (`grpc-retry-pushback-ms`). */
export const REPORT_STREAM_RETRY_AFTER_SECONDS = 1;
/**
 * Calls in progress on one connection (HTTP/2 SETTINGS_MAX_CONCURRENT_STREAMS). A client's
 * further calls wait on its side until one ends; each call buffers at most one message.
 */
export const MAX_CONCURRENT_STREAMS_PER_CONNECTION = 16;

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
/** Reading: site, timestamp_ms, four optional doubles, health and `points` forecast points. */
const reading = (points: number) => embedded(embedded(MAX_SITE_NAME_LENGTH) + INT64 + 4 * DOUBLE + ENUM + points * FORECAST_POINT);
const IGNORED_READING = embedded(2 * UINT32 + embedded(MAX_SITE_NAME_LENGTH) + ENUM);

// The points spread evenly over the most readings: every reading then has the longest length
// prefix it can get (two bytes; three would take more points than one reading may have).
const SPREAD = Math.floor(MAX_MESSAGE_FORECAST_POINTS / MAX_MESSAGE_READINGS);
const SPREAD_EXTRA = MAX_MESSAGE_FORECAST_POINTS % MAX_MESSAGE_READINGS;

/**
 * The largest valid ReportRequest (1,000 readings and 144,000 forecast points, ≈ 3.3 MB).
 * Anything larger is refused by the transport (RESOURCE_EXHAUSTED) before it is decoded;
 * within it, counts are checked on the wire before decoding (wire-count.ts).
 */
export const MAX_RECEIVE_MESSAGE_BYTES = SPREAD_EXTRA * reading(SPREAD + 1) + (MAX_MESSAGE_READINGS - SPREAD_EXTRA) * reading(SPREAD);

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
  "grpc.max_concurrent_streams": MAX_CONCURRENT_STREAMS_PER_CONNECTION,
};
