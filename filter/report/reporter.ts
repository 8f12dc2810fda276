// Sending reports (docs/reports.md): every interval_ms each worker encodes what it counted and
// POSTs it to the controller, at most one call in flight. 2xx: the counts sent come off. 4xx
// (except 408 and 429, which are pushback): refused, dropped and counted, never resent. No answer,
// 5xx or any other status: the counts stay and go out with the next report. Logged when the state
// changes, not per report.
import { ControllerConfig } from "../config/controller-config";
import { ReportConfig } from "../config/report-config";
import { serializePairs } from "../delivery/request";
import { parseStatus } from "../delivery/response";
import {
  HostBytes, LogLevel, callToken, getHttpCallResponseBody, getHttpCallResponseHeader, httpCall, log, valueLen, valuePtr,
} from "../host";
import { Metrics } from "../metrics";
import { nextRandom } from "../route/random";
import { Aggregate } from "./aggregate";
import { ReportEncoder } from "./encode";
import { REPORT_MEDIA_TYPE } from "./format";

const STATUS_HEADER = new HostBytes(":status");
/** How much of a refusal's body (the controller's reason) its log line quotes. */
const MAX_REASON_BYTES: u32 = 200;

export class Reporter {
  private inFlight: bool = false;
  private token: u32 = 0;
  private startedAtMs: u64 = 0;
  private nextAtMs: u64;
  /** Where the window of the oldest undelivered counts starts. */
  private windowStartMs: u64;
  /** Where the window of the report in flight ends. */
  private windowEndMs: u64 = 0;
  /** Failed reports since the last answered one. */
  private failures: u32 = 0;
  private refusing: bool = false;
  private readonly encoder: ReportEncoder = new ReportEncoder();
  private readonly cluster: HostBytes;
  private readonly headers: ArrayBuffer;
  private readonly timeoutMs: u32;

  constructor(
    private readonly controller: ControllerConfig,
    private readonly config: ReportConfig,
    private readonly tickMs: u32,
    /** This worker's random id, never 0. */
    private readonly reporterId: u64,
    private readonly aggregate: Aggregate,
    private readonly metrics: Metrics,
    nowMs: u64,
  ) {
    this.cluster = new HostBytes(controller.cluster);
    const keys = [":method", ":path", ":authority", "content-type"];
    const values = ["POST", config.path, controller.authority, REPORT_MEDIA_TYPE];
    if (controller.token.length > 0) {
      keys.push("authorization");
      values.push("Bearer " + controller.token);
    }
    this.headers = serializePairs(keys, values);
    // The controller answers at once; a call still open after an interval only holds up the next report.
    this.timeoutMs = controller.timeoutMs < config.intervalMs ? controller.timeoutMs : config.intervalMs;
    this.windowStartMs = nowMs;
    // Workers that started together spread their reports over half an interval.
    const half = <u64>(config.intervalMs >> 1);
    this.nextAtMs = nowMs + half + (((nextRandom() >>> 32) * half) >>> 32);
  }

  /** On every tick: sends a report when one is due and none is in flight. */
  tick(nowMs: u64): void {
    if (this.inFlight && nowMs >= this.startedAtMs + <u64>this.timeoutMs + 2 * <u64>this.tickMs) {
      // Envoy answers every call, at the latest after the timeout; this guards against a lost answer.
      this.inFlight = false;
      this.fail("no answer within the timeout");
    }
    if (this.inFlight || nowMs < this.nextAtMs) return;
    this.nextAtMs = nowMs + <u64>this.config.intervalMs;
    this.metrics.countDroppedEntries(this.aggregate.clearOverflowing());
    const length = this.encoder.encode(this.aggregate.kept, this.reporterId, this.windowStartMs, nowMs);
    if (length == 0) {
      // Nothing counted: no report, and no count older than now.
      this.windowStartMs = nowMs;
      return;
    }
    if (!httpCall(this.cluster, this.headers, this.timeoutMs, changetype<usize>(this.encoder.buffer), length)) {
      this.fail("the host refused the call (is cluster '" + this.controller.cluster + "' defined?)");
      return;
    }
    this.inFlight = true;
    this.token = callToken;
    this.startedAtMs = nowMs;
    this.windowEndMs = nowMs;
  }

  /** Whether `token` is the report call in flight. */
  awaits(token: u32): bool {
    return this.inFlight && token == this.token;
  }

  onResponse(headerCount: u32, bodySize: u32, nowMs: u64): void {
    this.inFlight = false;
    if (headerCount == 0) return this.fail("no response (connection failure, reset or timeout)");
    const status = getHttpCallResponseHeader(STATUS_HEADER) ? parseStatus(valuePtr, valueLen) : 0;
    if (status >= 200 && status <= 299) return this.delivered(nowMs);
    if (status >= 400 && status <= 499 && status != 408 && status != 429) return this.refused(status, bodySize);
    this.fail(status == 0 ? "no :status" : "HTTP status " + status.toString());
  }

  private delivered(nowMs: u64): void {
    const truncated = this.encoder.truncated;
    this.metrics.countDroppedEntries(this.encoder.settle(true));
    this.metrics.countReportSent();
    if (truncated) {
      // The rest is older than this report's window: it goes next tick, with the same start.
      this.nextAtMs = nowMs;
    } else {
      this.windowStartMs = this.windowEndMs;
    }
    if (this.failures > 0 || this.refusing) {
      log(LogLevel.Info, "the controller accepts reports again" +
        (this.failures > 0 ? " after " + this.failures.toString() + " failed attempts" : ""));
    }
    this.failures = 0;
    this.refusing = false;
  }

  private refused(status: u32, bodySize: u32): void {
    const entries = this.encoder.entryCount;
    if (!this.encoder.truncated) this.windowStartMs = this.windowEndMs;
    this.metrics.countDroppedEntries(this.encoder.settle(true) + entries);
    this.metrics.countReportRefused();
    if (!this.refusing) {
      const size = bodySize < MAX_REASON_BYTES ? bodySize : MAX_REASON_BYTES;
      const reason = size > 0 && getHttpCallResponseBody(size) ? ": " + String.UTF8.decodeUnsafe(valuePtr, <usize>valueLen) : "";
      log(LogLevel.Warn, "the controller refused a report (HTTP " + status.toString() + reason +
        "); its counts are dropped, and so are those of further refused reports");
    }
    this.refusing = true;
    this.failures = 0;
  }

  private fail(reason: string): void {
    this.metrics.countDroppedEntries(this.encoder.settle(false));
    this.metrics.countReportFailed();
    if (this.failures == 0) {
      log(LogLevel.Warn, "reporting to the controller (cluster '" + this.controller.cluster + "') failed: " + reason +
        "; the counts go out with the next report");
    }
    this.failures++;
  }
}
