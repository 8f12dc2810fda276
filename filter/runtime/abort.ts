// AssemblyScript's runtime calls `abort` on a failed assertion or a bad cast. By default that
// is an import from "env", which Envoy does not provide; route it to the proxy log and trap.
import { proxy_log } from "@solo-io/proxy-runtime/assembly/imports";

const LOG_CRITICAL: usize = 5;

export function abort(message: string | null, file: string | null, line: u32, column: u32): void {
  const text = "solar-router abort: " + (message !== null ? message : "") + " at " +
    (file !== null ? file : "?") + ":" + line.toString() + ":" + column.toString();
  const utf8 = String.UTF8.encode(text);
  proxy_log(LOG_CRITICAL, changetype<usize>(utf8), <usize>utf8.byteLength);
  unreachable();
}
