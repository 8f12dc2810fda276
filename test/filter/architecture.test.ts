// Rules of the filter's shape that matter for correctness and speed, checked on the source and
// on the compiled module.
import { readFileSync, readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "..", "..");
const FILTER = join(ROOT, "filter");

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
  );
}

const importsOf = (file: string): string[] =>
  [...readFileSync(file, "utf8").matchAll(/^import[^"]*"([^"]+)"/gm)].map((m) => m[1]!);

describe("filter architecture", () => {
  it("touches the proxy-wasm SDK from host.ts only (and the abort hook, which must log)", () => {
    // baseline/ holds the benchmark's reference filters, which are not part of the product.
    const users = sources(FILTER)
      .filter((f) => !relative(FILTER, f).startsWith("baseline/"))
      .filter((f) => importsOf(f).some((i) => i.startsWith("@solo-io/")))
      .map((f) => relative(FILTER, f))
      .sort();
    expect(users).toEqual(["host.ts", "runtime/abort.ts"]);
  });

  it("keeps table decoding, upstream choice, the delivery's parsing and report counting and encoding pure: no host imports", () => {
    const pure = [
      ...["table", "route", "config"].flatMap((dir) => sources(join(FILTER, dir))),
      ...["backoff.ts", "request.ts", "response.ts"].map((f) => join(FILTER, "delivery", f)),
      ...["aggregate.ts", "encode.ts", "format.ts", "streams.ts"].map((f) => join(FILTER, "report", f)),
    ];
    for (const file of pure) {
      const bad = importsOf(file).filter((i) => i.includes("host") || i.startsWith("@solo-io/"));
      expect(bad, relative(ROOT, file)).toEqual([]);
    }
  });

  it("exports only the callbacks it needs (response headers for reports) and imports no proxy_clear_route_cache", async () => {
    const module = await WebAssembly.compile(readFileSync(join(ROOT, "build", "filter.wasm")));
    const exports = WebAssembly.Module.exports(module).map((e) => e.name).sort();
    expect(exports).toEqual([
      "malloc", "memory", "proxy_abi_version_0_2_1", "proxy_on_configure", "proxy_on_context_create",
      "proxy_on_http_call_response", "proxy_on_request_headers", "proxy_on_response_headers", "proxy_on_tick",
      "proxy_on_vm_start",
    ]);
    const imports = WebAssembly.Module.imports(module).map((i) => `${i.module}.${i.name}`);
    expect(imports.every((i) => i.startsWith("env.proxy_"))).toBe(true);
    expect(imports).not.toContain("env.proxy_clear_route_cache");
  });
});
