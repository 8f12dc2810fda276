// One bounded HTTP GET for a scrape: the caller's signal bounds the time, MAX_BODY_BYTES bounds the
// memory, and the body must be valid UTF-8. Transport problems come back as a failure, not a throw.
import { failure, transportFailure, type ScrapeFailure } from "./scrape-result.js";

/** Far above any sane exporter or query answer; a target that sends more is misconfigured. */
export const MAX_BODY_BYTES = 16 * 1024 * 1024;

export interface HttpText {
  status: number;
  contentType: string;
  body: string;
}

export async function httpGet(
  url: URL,
  accept: string,
  signal: AbortSignal,
  maxBytes = MAX_BODY_BYTES,
): Promise<{ value: HttpText; failure?: undefined } | { failure: ScrapeFailure; value?: undefined }> {
  let response: Response;
  try {
    response = await fetch(url, { headers: { accept }, signal, redirect: "error" });
  } catch (e) {
    return transportFailure(e, signal);
  }
  const declared = Number(response.headers.get("content-length") ?? "0");
  if (declared > maxBytes) {
    await response.body?.cancel().catch(() => undefined);
    return failure("bad_response", `body of ${declared} bytes exceeds ${maxBytes}`);
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    if (response.body !== null) {
      for await (const chunk of response.body) {
        size += chunk.byteLength;
        if (size > maxBytes) {
          // Leaving the loop early cancels the stream, which closes the connection.
          return failure("bad_response", `body exceeds ${maxBytes} bytes`);
        }
        chunks.push(chunk);
      }
    }
  } catch (e) {
    return transportFailure(e, signal);
  }
  let body: string;
  try {
    body = new TextDecoder("utf-8", { fatal: true }).decode(Buffer.concat(chunks));
  } catch {
    return failure("bad_response", "body is not valid UTF-8");
  }
  return { value: { status: response.status, contentType: response.headers.get("content-type") ?? "", body } };
}
