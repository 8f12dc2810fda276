// What the ledger records: typed, versioned records, each canonically encoded (RFC 8785 JSON)
// so the same record always has the same bytes and digest. Records link to what they are about
// by SHA-256 digest (a table's bytes, an input snapshot, a model), so a table seen in a proxy can
// be traced to its entry and back to its inputs.
import { z } from "zod";
import { FALLBACK_REASONS } from "../../plan/plan.js";

const SHA256 = z.string().regex(/^[0-9a-f]{64}$/, "expected 64 lower-case hex digits (SHA-256)");
const U64 = z.string().regex(/^(0|[1-9][0-9]{0,19})$/, "expected a decimal u64 as a string")
  .refine((s) => BigInt(s) < 1n << 64n, "expected a decimal u64 as a string");
const MS = z.number().int().nonnegative();
const NAME = z.string().min(1).max(253);

export const tablePublishedSchema = z.object({
  kind: z.literal("table_published"),
  v: z.literal(1),
  table_version: U64,
  issued_at_ms: MS,
  ttl_ms: MS,
  /** SHA-256 of the exact table bytes proxies receive. */
  table_sha256: SHA256,
  /** SHA-256 of the energy_snapshot record the plan was made from. */
  inputs_sha256: SHA256,
  /** Forecast model that produced the inputs' forecasts. */
  model: z.object({ id: NAME, sha256: SHA256.nullable() }).strict(),
  /**
   * The planner that made the weights, and why it stood in for the predictive one (null: it did
   * not). Absent in records written before planners were recorded.
   */
  planner: z.object({ name: NAME, fallback_reason: z.enum(FALLBACK_REASONS).nullable() }).strict().optional(),
  services: z.array(z.object({
    key: NAME,
    upstreams: z.array(z.object({ name: NAME, weight: z.number().int().min(0).max(0xffff_ffff), draining: z.boolean() }).strict()),
  }).strict()),
}).strict();

export const energySnapshotSchema = z.object({
  kind: z.literal("energy_snapshot"),
  v: z.literal(1),
  at_ms: MS,
  sites: z.array(z.object({
    site: NAME,
    health: z.enum(["healthy", "unhealthy", "draining"]),
    pv_watts: z.number().min(0),
    battery_soc_percent: z.number().min(0).max(100),
    grid_carbon_g_per_kwh: z.number().min(0),
    load_rps: z.number().min(0),
    latency_p95_ms: z.number().min(0),
    pv_forecast_watts: z.array(z.number().min(0)).max(2016),
  }).strict()),
  /** The services' demand the plan read: from filter reports, or the configured prior before any. */
  services: z.array(z.object({
    key: NAME,
    demand_rps: z.number().min(0),
    demand_source: z.enum(["observed", "configured"]),
    demand_forecast_rps: z.array(z.number().min(0)).max(2016),
  }).strict()).optional(),
}).strict();

export const modelPromotedSchema = z.object({
  kind: z.literal("model_promoted"),
  v: z.literal(1),
  at_ms: MS,
  model_id: NAME,
  model_sha256: SHA256,
  /** Validation figures that justified the promotion, by name. */
  metrics: z.record(z.string().max(64), z.number()),
}).strict();

export const configChangedSchema = z.object({
  kind: z.literal("config_changed"),
  v: z.literal(1),
  at_ms: MS,
  config_sha256: SHA256,
  summary: z.string().max(1024),
}).strict();

export const reportSummarySchema = z.object({
  kind: z.literal("report_summary"),
  v: z.literal(1),
  window_start_ms: MS,
  window_end_ms: MS,
  reporters: z.number().int().nonnegative(),
  entries: z.array(z.object({
    table_version: U64,
    service: NAME,
    upstream: NAME,
    requests: z.number().int().nonnegative(),
    responses_5xx: z.number().int().nonnegative(),
  }).strict()),
}).strict();

export const recordSchema = z.discriminatedUnion("kind", [
  tablePublishedSchema, energySnapshotSchema, modelPromotedSchema, configChangedSchema, reportSummarySchema,
]);

/** A record is split into at most this many parts (about 44 MiB of canonical JSON). */
export const MAX_RECORD_PARTS = 1024;

/**
 * One part of a record too large for one entry (records/chunks.ts): the parts are consecutive
 * entries, part 0 first, and `data` holds this part's slice of the record's canonical bytes.
 */
export const recordChunkSchema = z.object({
  kind: z.literal("record_chunk"),
  v: z.literal(1),
  /** SHA-256 of the whole record's canonical bytes. */
  record_sha256: SHA256,
  part: z.number().int().min(0).max(MAX_RECORD_PARTS - 1),
  parts: z.number().int().min(2).max(MAX_RECORD_PARTS),
  /** Standard padded base64. */
  data: z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, "expected standard base64").min(4),
}).strict();

/** What an entry of the log holds: a record, or a part of one. */
export const entrySchema = z.discriminatedUnion("kind", [
  tablePublishedSchema, energySnapshotSchema, modelPromotedSchema, configChangedSchema, reportSummarySchema, recordChunkSchema,
]);

export type LedgerRecord = z.infer<typeof recordSchema>;
export type RecordChunk = z.infer<typeof recordChunkSchema>;
export type LogEntry = z.infer<typeof entrySchema>;
export type TablePublished = z.infer<typeof tablePublishedSchema>;
export type EnergySnapshot = z.infer<typeof energySnapshotSchema>;
