// Polling the controller for tables: only the lease holder, at most one HTTP call in flight. A
// long poll: the request names the newest table in shared data (If-None-Match) and lets the
// controller hold it up to wait_ms; 200 brings a newer table, 304 says nothing changed, and
// either way the next poll follows at once. Failures back off and are logged when the state
// changes, not per failure; meanwhile every worker routes on the table it has until its TTL.
import { ControllerConfig } from "../config/controller-config";
import {
  HostBytes, LogLevel, callToken, getHttpCallResponseBody, getHttpCallResponseHeader, httpCall, log, valueLen, valuePtr,
} from "../host";
import { Metrics } from "../metrics";
import { nextRandom } from "../route/random";
import { DecodeResult, decodeTable } from "../table/decode";
import { REJECT_NAMES } from "../table/format";
import { BACKOFF_MAX_MS, Backoff } from "./backoff";
import { PollRequest } from "./request";
import { parseEtagVersion, parseRetryAfterMs, parseStatus } from "./response";
import { SharedTable } from "./shared-table";

const STATUS_HEADER = new HostBytes(":status");
const ETAG_HEADER = new HostBytes("etag");
const RETRY_AFTER_HEADER = new HostBytes("retry-after");

export class Poller {
  private inFlight: bool = false;
  private token: u32 = 0;
  private startedAtMs: u64 = 0;
  private nextPollAtMs: u64 = 0;
  /** Failed polls since the last success; > 0 means the controller counts as unreachable. */
  private failures: u32 = 0;
  private readonly backoff: Backoff = new Backoff();
  private readonly cluster: HostBytes;
  private readonly request: PollRequest;
  /**
   * An answer sooner than this after its poll means the controller did not hold the poll open
   * (wait_ms 0, or a controller that ignores it); the next poll then waits for a tick instead of
   * following at once, so such a controller is polled once per tick, not in a tight loop.
   */
  private readonly minPollMs: u32;

  constructor(
    private readonly config: ControllerConfig,
    private readonly tickMs: u32,
    readonly shared: SharedTable,
    private readonly metrics: Metrics,
  ) {
    this.cluster = new HostBytes(config.cluster);
    this.request = new PollRequest(config);
    const halfWait = config.waitMs / 2;
    this.minPollMs = config.waitMs == 0 || halfWait > tickMs ? tickMs : halfWait;
  }

  /** On every tick and after every answer: polls if this worker holds the lease and nothing holds it back. */
  maybePoll(nowMs: u64, leaseHeld: bool): void {
    if (this.inFlight && nowMs >= this.startedAtMs + <u64>this.config.timeoutMs + 2 * <u64>this.tickMs) {
      // Envoy answers every call, at the latest after timeout_ms; this guards against a lost answer.
      this.inFlight = false;
      this.fail(nowMs, "no answer within timeout_ms");
    }
    if (!leaseHeld || this.inFlight || nowMs < this.nextPollAtMs) return;
    this.metrics.countPoll();
    if (!httpCall(this.cluster, this.request.headers(this.shared.version()), this.config.timeoutMs)) {
      this.fail(nowMs, "the host refused the call (is cluster '" + this.config.cluster + "' defined?)");
      return;
    }
    this.inFlight = true;
    this.token = callToken;
    this.startedAtMs = nowMs;
  }

  /**
   * The answer to a poll. Returns the fetched table when it was newer than what shared data held
   * and now is stored there, for this worker to adopt at once (the others do on their next tick).
   * `leaseHeld`: this worker still holds the lease (an answer may come after it lost it).
   */
  onResponse(token: u32, headerCount: u32, bodySize: u32, nowMs: u64, leaseHeld: bool): DecodeResult | null {
    // An answer to a call this poller no longer waits for (e.g. after a reconfiguration).
    if (!this.inFlight || token != this.token) return null;
    this.inFlight = false;
    if (headerCount == 0) return this.fail(nowMs, "no response (connection failure, reset or timeout)");
    const status = getHttpCallResponseHeader(STATUS_HEADER) ? parseStatus(valuePtr, valueLen) : 0;
    if (status == 304) {
      this.metrics.countNotModified();
      this.succeed();
      return null;
    }
    if (status != 200) {
      // The controller's pushback (503 + Retry-After) is honoured, up to the longest backoff.
      const retryAfterMs = getHttpCallResponseHeader(RETRY_AFTER_HEADER) ? parseRetryAfterMs(valuePtr, valueLen) : 0;
      return this.fail(nowMs, status == 0 ? "no :status" : "HTTP status " + status.toString(), retryAfterMs);
    }

    const hasEtag = getHttpCallResponseHeader(ETAG_HEADER);
    const etagVersion = hasEtag ? parseEtagVersion(valuePtr, valueLen) : 0;
    const hasBody = getHttpCallResponseBody(bodySize);
    const result = decodeTable(hasBody ? valuePtr : 0, hasBody ? valueLen : 0);
    const table = result.table;
    if (table === null) {
      this.metrics.countRejected(<i32>result.reason);
      return this.fail(nowMs, "bad table: " + REJECT_NAMES[<i32>result.reason]);
    }
    // Both come from the controller; disagreement means something between mixed up answers.
    if (hasEtag && etagVersion != table.version) {
      return this.fail(nowMs, "etag does not name the table's version " + table.version.toString());
    }
    this.metrics.countTableFetched();
    this.succeed();
    if (!this.shared.publish(table.bytes, table.version, leaseHeld)) return null;
    this.metrics.countTableWritten();
    return result;
  }

  private succeed(): void {
    if (this.failures > 0) {
      log(LogLevel.Info, "controller reachable again after " + this.failures.toString() + " failed polls");
    }
    this.failures = 0;
    this.backoff.reset();
    this.nextPollAtMs = this.startedAtMs + <u64>this.minPollMs;
  }

  private fail(nowMs: u64, reason: string, retryAfterMs: u32 = 0): DecodeResult | null {
    this.metrics.countPollFailure();
    if (this.failures == 0) {
      log(LogLevel.Warn, "polling the controller (cluster '" + this.config.cluster + "') failed: " + reason +
        "; retrying with backoff, routing on the table in use until its TTL");
    }
    this.failures++;
    let waitMs = this.backoff.next(nextRandom());
    if (retryAfterMs > waitMs) waitMs = retryAfterMs < BACKOFF_MAX_MS ? retryAfterMs : BACKOFF_MAX_MS;
    this.nextPollAtMs = nowMs + <u64>waitMs;
    return null;
  }
}
