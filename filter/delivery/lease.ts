// The delivery lease: one worker per proxy polls the controller. The lease is a shared-data value
// under `<shared_data_key>.lease`, 16 bytes: the holder's id (u64 LE), then the Unix ms at which
// it lapses (u64 LE). Every tick each worker reads it; the holder renews it, anyone takes it once
// it is malformed or lapsed, and both writes carry the CAS just read, so when two workers race
// exactly one write lands and the other backs off until the lease lapses again.
import { HostBytes, LogLevel, getSharedData, log, setSharedData, valueCas, valueLen, valuePtr } from "../host";
import { Metrics } from "../metrics";

export const LEASE_KEY_SUFFIX = ".lease";
export const LEASE_BYTES: i32 = 16;

export class Lease {
  /** This worker's last write of the lease landed and has not lapsed since. */
  private held: bool = false;
  private expiresAtMs: u64 = 0;
  private readonly value: ArrayBuffer = new ArrayBuffer(LEASE_BYTES);
  /**
   * The holder the lease names after this worker's last tick: this worker once its write landed,
   * another worker whose current lease it left alone, 0 when unknown (no lease yet, or a write
   * that lost a race to a writer it did not see).
   */
  named: u64 = 0;

  constructor(
    private readonly key: HostBytes,
    /** This worker's random id; never 0. */
    private readonly holderId: u64,
    private readonly leaseMs: u32,
    private readonly metrics: Metrics,
  ) {}

  /** Whether this worker may poll at `nowMs`. */
  holds(nowMs: u64): bool {
    return this.held && nowMs < this.expiresAtMs;
  }

  /** Once per tick: renew, take over or stay off. */
  tick(nowMs: u64): void {
    const until = nowMs + <u64>this.leaseMs;
    if (!getSharedData(this.key)) {
      // No lease yet. A CAS of 0 writes whatever is there, so two first claims can both land;
      // this one counts only once next tick's CAS-guarded renewal lands too.
      this.write(until, 0);
      this.named = 0;
      this.update(false);
      return;
    }
    const cas = valueCas;
    const wellFormed = valueLen == LEASE_BYTES;
    const holder: u64 = wellFormed ? load<u64>(valuePtr) : 0;
    const lapsesAt: u64 = wellFormed ? load<u64>(valuePtr, 8) : 0;
    if (holder == this.holderId || !wellFormed || nowMs >= lapsesAt) {
      const landed = this.write(until, cas);
      if (landed) this.expiresAtMs = until;
      this.named = landed ? this.holderId : 0;
      this.update(landed);
    } else {
      this.named = holder;
      this.update(false);
    }
  }

  private write(until: u64, cas: u32): bool {
    const ptr = changetype<usize>(this.value);
    store<u64>(ptr, this.holderId);
    store<u64>(ptr, until, 8);
    return setSharedData(this.key, ptr, LEASE_BYTES, cas);
  }

  private update(held: bool): void {
    const had = this.held;
    if (held && had) {
      this.metrics.countLeaseRenewed();
    } else if (held) {
      this.metrics.countLeaseAcquired();
      log(LogLevel.Info, "holding the table delivery lease: this worker polls the controller");
    } else if (had) {
      this.metrics.countLeaseLost();
      log(LogLevel.Info, "lost the table delivery lease to another worker");
    }
    this.held = held;
  }
}
