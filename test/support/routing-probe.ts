// A steady trickle of requests through a proxy, recording where each went, so a test can tell
// when traffic switched and how long the switch took. Loopback only; it stops by itself after
// `maxDurationMs` even if a test forgets to stop it.
import { Agent, request } from "node:http";

interface Sample {
  startedAt: number;
  servedBy: string;
  status: number;
}

export class RoutingProbe {
  readonly samples: Sample[] = [];
  fiveXx = 0;
  errors = 0;
  private stopped = false;
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 64 });
  private readonly loops: Promise<void>[];

  constructor(
    private readonly url: string,
    private readonly host: string,
    concurrency = 6,
    maxDurationMs = 120_000,
  ) {
    const deadline = performance.now() + maxDurationMs;
    this.loops = Array.from({ length: concurrency }, () => this.loop(deadline));
  }

  private async loop(deadline: number): Promise<void> {
    while (!this.stopped && performance.now() < deadline) {
      const startedAt = performance.now();
      try {
        const { status, servedBy } = await this.once();
        if (status >= 500) this.fiveXx++;
        this.samples.push({ startedAt, servedBy, status });
      } catch {
        this.errors++;
        await new Promise((r) => setTimeout(r, 10));
      }
    }
  }

  private once(): Promise<{ status: number; servedBy: string }> {
    return new Promise((resolve, reject) => {
      const req = request(this.url, { agent: this.agent, headers: { host: this.host }, timeout: 5_000 }, (res) => {
        res.resume();
        res.on("end", () => resolve({ status: res.statusCode ?? 0, servedBy: String(res.headers["x-served-by"] ?? "<none>") }));
      });
      req.on("timeout", () => req.destroy(new Error("timeout")));
      req.on("error", reject);
      req.end();
    });
  }

  /**
   * Waits until requests satisfy `accept` in at least `fraction` of at least `minRequests`
   * consecutive requests, and returns when the first of them started (performance.now() time).
   * Only requests started after the call count.
   */
  async waitUntil(accept: (servedBy: string) => boolean, fraction: number, timeoutMs: number, minRequests = 200): Promise<number> {
    const from = performance.now();
    const first = this.samples.length;
    const deadline = from + timeoutMs;
    while (performance.now() < deadline) {
      const window = this.samples.slice(first).filter((s) => s.startedAt >= from).sort((a, b) => a.startedAt - b.startedAt);
      // Walk back from the newest request while the tail still satisfies the fraction.
      let good = 0;
      let best = -1;
      for (let i = window.length - 1; i >= 0; i--) {
        if (accept(window[i]!.servedBy)) good++;
        const n = window.length - i;
        if (n >= minRequests && good / n >= fraction) best = i;
      }
      if (best >= 0) return window[best]!.startedAt;
      await new Promise((r) => setTimeout(r, 25));
    }
    const recent = this.samples.slice(-20).map((s) => s.servedBy).join(",");
    throw new Error(`traffic did not switch within ${timeoutMs} ms (recent: ${recent})`);
  }

  /** Requests started in [from, to) by where they went. */
  countsBetween(from: number, to: number): Record<string, number> {
    const out: Record<string, number> = {};
    for (const s of this.samples) if (s.startedAt >= from && s.startedAt < to) out[s.servedBy] = (out[s.servedBy] ?? 0) + 1;
    return out;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.loops);
    this.agent.destroy();
  }
}
