// The redact list: a credential passed to a log call by mistake, in any of the places one could
// appear, comes out as [Redacted].
import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger } from "../../../controller/ops/logger.js";

const SECRET = "do-not-log-me-0123456789";

function capture() {
  const lines: string[] = [];
  const destination = new Writable({ write(chunk, _encoding, done) { lines.push(String(chunk)); done(); } });
  return { logger: createLogger("info", destination), lines };
}

describe("createLogger", () => {
  it("redacts authorization headers and metadata, token fields and the token variables", () => {
    const { logger, lines } = capture();
    logger.info({ req: { method: "POST", headers: { authorization: `Bearer ${SECRET}`, host: "x" } } }, "request");
    logger.info({ headers: { authorization: `Bearer ${SECRET}` } }, "headers");
    logger.info({ metadata: { authorization: `Bearer ${SECRET}` } }, "metadata");
    logger.info({ authorization: `Bearer ${SECRET}` }, "bare header");
    logger.info({ token: SECRET, tokens: [SECRET] }, "fields");
    logger.info({ controller: { token: SECRET }, auth: { tokens: [SECRET] } }, "nested");
    logger.info({ SOLAR_READER_TOKENS: SECRET, env: { SOLAR_WRITER_TOKENS: SECRET } }, "env");
    expect(lines).toHaveLength(7);
    for (const line of lines) {
      expect(line).not.toContain(SECRET);
      expect(line).toContain("[Redacted]");
    }
    expect(JSON.parse(lines[0]!).req.headers.host).toBe("x");
  });
});
