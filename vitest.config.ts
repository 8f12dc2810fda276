import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Envoy end-to-end suites start real processes on a 2-core machine: run files one at a time.
    fileParallelism: false,
    reporters: ["default", "./test/support/plain-summary-reporter.ts"],
  },
});
