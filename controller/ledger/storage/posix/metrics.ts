// The local-disk backend's own metrics: a fixed list, registered once per registry (a process that
// opens the ledger twice, as tests do, shares the series rather than registering them again).
import { Counter, Histogram, type Registry } from "prom-client";

/** What a failed disk operation was doing; a fixed set, so label values never come from input. */
export type DiskOp = "write" | "remove" | "lock";

export class PosixStorageMetrics {
  private static readonly byRegistry = new WeakMap<Registry, PosixStorageMetrics>();

  readonly writes: Counter;
  readonly bytesWritten: Counter;
  readonly errors: Counter<"op">;
  readonly fsyncSeconds: Histogram;
  readonly filesRemoved: Counter;

  /** The backend's metrics on `registry`, registered the first time they are asked for. */
  static on(registry: Registry): PosixStorageMetrics {
    let metrics = PosixStorageMetrics.byRegistry.get(registry);
    if (!metrics) {
      metrics = new PosixStorageMetrics(registry);
      PosixStorageMetrics.byRegistry.set(registry, metrics);
    }
    return metrics;
  }

  private constructor(registry: Registry) {
    const registers = [registry];
    this.writes = new Counter({
      name: "solar_controller_ledger_posix_writes_total", help: "Ledger files written durably (temporary file, fsync, rename, directory fsync).", registers,
    });
    this.bytesWritten = new Counter({
      name: "solar_controller_ledger_posix_written_bytes_total", help: "Bytes of ledger files written durably.", registers,
    });
    this.errors = new Counter({
      name: "solar_controller_ledger_posix_errors_total", help: "Failed ledger disk operations, by operation (write, remove, lock).",
      labelNames: ["op"] as const, registers,
    });
    this.fsyncSeconds = new Histogram({
      name: "solar_controller_ledger_posix_fsync_duration_seconds", help: "Time for one fsync of a ledger file or directory.",
      buckets: [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1], registers,
    });
    this.filesRemoved = new Counter({
      name: "solar_controller_ledger_posix_files_removed_total",
      help: "Ledger files deleted: partial tiles and bundles made obsolete, and leftovers beyond the checkpoint after a crash.", registers,
    });
  }
}
