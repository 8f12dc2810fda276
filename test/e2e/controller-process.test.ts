// The controller as a process: it starts on embedded defaults, serves its first table, and on
// SIGTERM answers held polls, drops readiness and exits 0.
import { describe, expect, it } from "vitest";
import { startControllerProcess } from "../support/controller-process.js";

describe("controller process", () => {
  it("shuts down gracefully on SIGTERM, answering held long polls", async () => {
    const controller = await startControllerProcess();
    try {
      const first = await fetch(`${controller.url}/v1/table`, { headers: controller.readerHeaders() });
      expect(first.status).toBe(200);
      expect((await fetch(`${controller.url}/readyz`)).status).toBe(200);
      const etag = first.headers.get("etag")!;
      // Re-planning republishes only on change or after ttl/3 (20 s here), so this poll is held.
      const held = fetch(`${controller.url}/v1/table?wait_ms=20000`, { headers: { "if-none-match": etag, ...controller.readerHeaders() } });
      await new Promise((r) => setTimeout(r, 200));
      const started = performance.now();
      const exit = controller.stop(10_000);
      const answer = await held;
      expect([200, 304]).toContain(answer.status);
      expect(await exit).toBe(0);
      expect(performance.now() - started).toBeLessThan(5_000);
      expect(controller.logs().some((l) => l.includes('"msg":"controller stopped"'))).toBe(true);
    } finally {
      await controller.kill();
    }
  });

  it("refuses a bad configuration file, naming the field, and exits non-zero", async () => {
    const attempt = startControllerProcess({ configYaml: "sites: []\nservices: []\n", timeoutMs: 10_000 });
    await expect(attempt).rejects.toThrow(/exited with 1[\s\S]*sites: /);
  });
});
