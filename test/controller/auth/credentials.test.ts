import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { Credentials, satisfies } from "../../../controller/auth/credentials.js";
import { bearerToken, checkAccess } from "../../../controller/auth/access.js";
import { TOKENS, UNKNOWN_TOKEN, credentials } from "./support.js";

describe("Credentials", () => {
  it("knows every token of each role (several per role, for rotation) and nothing else", () => {
    const creds = credentials();
    for (const token of TOKENS.reader) expect(creds.roleOf(token)).toBe("reader");
    for (const token of TOKENS.writer) expect(creds.roleOf(token)).toBe("writer");
    for (const token of [UNKNOWN_TOKEN, "", TOKENS.reader[0]!.slice(1), `${TOKENS.writer[0]} `, TOKENS.writer[0]!.toUpperCase()]) {
      expect(creds.roleOf(token)).toBeNull();
    }
    expect(creds.count("reader")).toBe(2);
    expect(creds.count("writer")).toBe(2);
  });

  it("with none configured, knows no token", () => {
    const none = Credentials.none();
    expect(none.roleOf(TOKENS.writer[0]!)).toBeNull();
    expect(none.toJSON()).toEqual({ reader: 0, writer: 0 });
  });

  it("counts a token listed twice in one role once", () => {
    const creds = Credentials.fromTokens({ reader: [TOKENS.reader[0]!, TOKENS.reader[0]!], writer: [] });
    expect(creds.count("reader")).toBe(1);
  });

  it("holds no token text: JSON and inspection show counts and digests only", () => {
    const creds = credentials();
    const shown = `${JSON.stringify(creds)}\n${inspect(creds, { depth: 10 })}`;
    expect(JSON.parse(JSON.stringify(creds))).toEqual({ reader: 2, writer: 2 });
    for (const token of [...TOKENS.reader, ...TOKENS.writer]) expect(shown).not.toContain(token);
  });

  it("lets a writer do what a reader may, not the other way round", () => {
    expect(satisfies("writer", "reader")).toBe(true);
    expect(satisfies("writer", "writer")).toBe(true);
    expect(satisfies("reader", "reader")).toBe(true);
    expect(satisfies("reader", "writer")).toBe(false);
  });
});

describe("checkAccess and bearerToken", () => {
  const creds = credentials();

  it("reads the token of a Bearer authorization value, the scheme in any case", () => {
    expect(bearerToken(`Bearer ${TOKENS.reader[0]}`)).toBe(TOKENS.reader[0]);
    expect(bearerToken(`bEaReR  ${TOKENS.reader[0]}`)).toBe(TOKENS.reader[0]);
    for (const bad of [undefined, "", "Bearer", "Bearer ", `Basic ${TOKENS.reader[0]}`, `Bearer ${TOKENS.reader[0]} more`, `Bearer\t${TOKENS.reader[0]}`, TOKENS.reader[0]]) {
      expect(bearerToken(bad), String(bad)).toBeUndefined();
    }
  });

  it("refuses no or an unknown credential as unauthenticated and a reader on a writer endpoint as permission denied", () => {
    expect(checkAccess(creds, undefined, "reader").error?.code).toBe("unauthenticated");
    expect(checkAccess(creds, UNKNOWN_TOKEN, "reader").error?.code).toBe("unauthenticated");
    expect(checkAccess(creds, TOKENS.reader[0], "writer").error).toMatchObject({ code: "permission_denied", message: "this endpoint needs a writer credential" });
    expect(checkAccess(creds, TOKENS.reader[1], "reader").value).toBe("reader");
    expect(checkAccess(creds, TOKENS.writer[1], "reader").value).toBe("writer");
    expect(checkAccess(creds, TOKENS.writer[0], "writer").value).toBe("writer");
  });

  it("never echoes the presented credential in a refusal", () => {
    for (const required of ["reader", "writer"] as const) {
      for (const token of [UNKNOWN_TOKEN, TOKENS.reader[0]!]) {
        const refusal = checkAccess(creds, token, required).error;
        if (refusal) expect(refusal.message).not.toContain(token);
      }
    }
  });
});
