// Shared by the access tests: tokens per role (two each, for rotation), a small real ledger to
// show its reads stay open, and an HTTP client that writes the request line byte for byte, since
// fetch and inject normalise the URL before it leaves.
import { mkdtempSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Credentials } from "../../../controller/auth/credentials.js";
import { openLog } from "../../../controller/ledger/log/open.js";
import type { ControllerMetrics } from "../../../controller/ops/metrics.js";
import { PosixStorage } from "../../../controller/ledger/storage/posix/posix-storage.js";
import { NOW, ORIGIN, keys } from "../ledger/checkpoint/fixed-keys.js";

export const TOKENS = {
  reader: ["reader-token-one-0123456789", "reader-token-two-0123456789"],
  writer: ["writer-token-one-0123456789", "writer-token-two-0123456789"],
};
export const UNKNOWN_TOKEN = "unknown-token-0123456789ab";

export const credentials = (): Credentials => Credentials.fromTokens(TOKENS);
export const bearer = (token: string): string => `Bearer ${token}`;

/** Every series of solar_controller_auth_refused_total, keyed "api code". */
export async function refusalCounts(metrics: ControllerMetrics): Promise<Record<string, number>> {
  const { values } = await metrics.authRefused.get();
  return Object.fromEntries(values.map((v) => [`${v.labels["api"]} ${v.labels["code"]}`, v.value]));
}

/** A log on disk with one durable entry and a signed checkpoint; `remove` deletes it. */
export async function smallLedger(): Promise<{ storage: PosixStorage; remove(): void }> {
  const dir = mkdtempSync(join(tmpdir(), "solar-access-ledger-"));
  const storage = new PosixStorage(dir);
  const log = await openLog({ origin: ORIGIN, keys, storage, nowSeconds: () => NOW, maxBatchAgeMs: 5 });
  await log.append(new TextEncoder().encode("access test entry"));
  return { storage, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Sends `head` (request line and headers, without the blank line) and `body` as is, on a fresh connection. */
export function rawRequest(port: number, head: string, body: Uint8Array | string = ""): Promise<RawResponse> {
  const bytes = typeof body === "string" ? Buffer.from(body) : Buffer.from(body);
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () => {
      // Not end(): a half-closed request may be dropped before a slow handler answers.
      socket.write(Buffer.concat([Buffer.from(`${head}\r\ncontent-length: ${bytes.length}\r\nconnection: close\r\n\r\n`, "latin1"), bytes]));
    });
    const chunks: Buffer[] = [];
    socket.on("data", (c: Buffer) => chunks.push(c));
    socket.on("error", reject);
    socket.on("end", () => {
      const text = Buffer.concat(chunks).toString("latin1");
      const split = text.indexOf("\r\n\r\n");
      const [statusLine, ...lines] = text.slice(0, split).split("\r\n");
      const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(":")).toLowerCase(), l.slice(l.indexOf(":") + 1).trim()]));
      resolve({ status: Number(statusLine!.split(" ")[1]), headers, body: text.slice(split + 4) });
    });
  });
}
