import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadCredentials, parseTokenEnv, parseTokenFile } from "../../../controller/auth/credential-sources.js";
import { TOKENS } from "./support.js";

const dir = mkdtempSync(join(tmpdir(), "solar-tokens-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const file = (text: string): string => {
  const path = join(dir, `tokens-${n++}`);
  writeFileSync(path, text);
  return path;
};
const NO_FILES = { readerTokensFile: null, writerTokensFile: null };
const SECRET = "s3cret-token-that-must-not-show";

describe("token files and variables", () => {
  it("reads one token per line, skipping # comments and blank lines, with CRLF or trailing spaces", () => {
    const { value } = parseTokenFile(`# proxies\n${TOKENS.reader[0]}\r\n\n   \n  # old one, until Friday\n  ${TOKENS.reader[1]}  \n`, "/run/r", "auth.reader_tokens_file");
    expect(value?.map((t) => t.token)).toEqual(TOKENS.reader);
    expect(value?.map((t) => t.at)).toEqual(["/run/r line 2", "/run/r line 6"]);
  });

  it("reads tokens separated by commas or newlines from a variable", () => {
    const { value } = parseTokenEnv(` ${TOKENS.writer[0]} ,\n${TOKENS.writer[1]},,`, "SOLAR_WRITER_TOKENS");
    expect(value?.map((t) => t.token)).toEqual(TOKENS.writer);
    expect(parseTokenEnv("", "SOLAR_WRITER_TOKENS").value).toEqual([]);
  });

  const bad: Array<[string, string, RegExp]> = [
    ["too short", "short-token", /line 2: a token needs at least 16 characters, got 11$/],
    ["with a space", "with space inside-0123456789", /line 2: a token may hold only visible ASCII/],
    ["with a tab", "tab\tinside-0123456789abcdef", /line 2: a token may hold only visible ASCII/],
    ["not ASCII", "tökenwithumlaut-0123456789", /line 2: a token may hold only visible ASCII/],
    ["too long", "x".repeat(4_097), /line 2: a token has at most 4096 characters, got 4097$/],
  ];
  for (const [name, token, message] of bad) {
    it(`refuses a token ${name}, naming the file and line but not the token`, () => {
      const { error } = parseTokenFile(`# first\n${token}\n`, "/run/r", "auth.reader_tokens_file");
      expect(error?.code).toBe("invalid_argument");
      expect(error?.field).toBe("auth.reader_tokens_file");
      expect(error?.message).toMatch(/^auth\.reader_tokens_file: \/run\/r /);
      expect(error?.message).toMatch(message);
      expect(error?.message).not.toContain(token);
    });
  }

  it("refuses a bad token in a variable, naming the variable and the item", () => {
    const { error } = parseTokenEnv(`${TOKENS.writer[0]},tiny`, "SOLAR_WRITER_TOKENS");
    expect(error?.field).toBe("SOLAR_WRITER_TOKENS");
    expect(error?.message).toBe("SOLAR_WRITER_TOKENS item 2: a token needs at least 16 characters, got 4");
  });
});

describe("loadCredentials", () => {
  it("merges each role's file and variable", async () => {
    const { value } = await loadCredentials(
      { readerTokensFile: file(`${TOKENS.reader[0]}\n`), writerTokensFile: file(`${TOKENS.writer[0]}\n`) },
      { SOLAR_READER_TOKENS: TOKENS.reader[1], SOLAR_WRITER_TOKENS: TOKENS.writer[1] },
    );
    expect(value?.toJSON()).toEqual({ reader: 2, writer: 2 });
    for (const token of TOKENS.reader) expect(value?.roleOf(token)).toBe("reader");
    for (const token of TOKENS.writer) expect(value?.roleOf(token)).toBe("writer");
  });

  it("with neither configured, has no credentials (every protected endpoint refuses)", async () => {
    const { value } = await loadCredentials(NO_FILES, {});
    expect(value?.toJSON()).toEqual({ reader: 0, writer: 0 });
  });

  it("refuses one token in both roles, naming both places but not the token", async () => {
    const reader = file(`# readers\n${SECRET}\n`);
    const { error } = await loadCredentials({ readerTokensFile: reader, writerTokensFile: null }, { SOLAR_WRITER_TOKENS: `${TOKENS.writer[0]},${SECRET}` });
    expect(error?.field).toBe("SOLAR_WRITER_TOKENS");
    expect(error?.message).toBe(`SOLAR_WRITER_TOKENS item 2: the same token is also a reader token (${reader} line 2); give each role its own tokens`);
    expect(error?.message).not.toContain(SECRET);
  });

  it("refuses a file it cannot read, naming the option and the path", async () => {
    const missing = join(dir, "missing");
    const { error } = await loadCredentials({ readerTokensFile: null, writerTokensFile: missing }, {});
    expect(error?.field).toBe("auth.writer_tokens_file");
    expect(error?.message).toBe(`auth.writer_tokens_file: cannot read ${missing} (ENOENT)`);
    if (process.getuid?.() !== 0) {
      const locked = file(`${SECRET}\n`);
      chmodSync(locked, 0o000);
      expect((await loadCredentials({ readerTokensFile: locked, writerTokensFile: null }, {})).error?.message).toMatch(/\(EACCES\)$/);
    }
  });

  it("refuses a bad token in a file, naming the option, the file and the line", async () => {
    const path = file(`${TOKENS.writer[0]}\nshort\n`);
    const { error } = await loadCredentials({ readerTokensFile: null, writerTokensFile: path }, { SOLAR_WRITER_TOKENS: TOKENS.writer[1] });
    expect(error?.message).toBe(`auth.writer_tokens_file: ${path} line 2: a token needs at least 16 characters, got 5`);
  });
});
