// The controller's command line: --help prints usage and exits 0; an unknown flag or a stray
// argument prints what is wrong and the usage, and exits 2 without starting anything.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const MAIN = join(import.meta.dirname, "..", "..", "dist", "controller", "main.js");

function run(...args: string[]) {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run npm run build:controller`);
  return spawnSync(process.execPath, [MAIN, ...args], { encoding: "utf8", timeout: 10_000 });
}

describe("solar-controller command line", () => {
  it("prints usage for --help and -h and exits 0", () => {
    for (const flag of ["--help", "-h"]) {
      const r = run(flag);
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/^usage: solar-controller \[--config FILE\]/);
      expect(r.stdout).toContain("--grpc HOST:PORT");
      expect(r.stderr).toBe("");
    }
  });

  it("refuses an unknown flag or an argument with usage on stderr and exit code 2", () => {
    for (const [args, reason] of [[["--bogus"], "Unknown option '--bogus'"], [["extra"], "Unexpected argument 'extra'"]] as const) {
      const r = run(...args);
      expect(r.status).toBe(2);
      expect(r.stderr).toContain(reason);
      expect(r.stderr).toContain("usage: solar-controller");
      expect(r.stdout).toBe("");
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    }
  });
});
