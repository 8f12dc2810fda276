// The bearer credentials the controller accepts, by role. Only SHA-256 digests are kept, so this
// store holds no token that a log line or an inspection could show. A lookup hashes the presented
// token and compares it with every known digest in constant time, without stopping at a match,
// so timing tells nothing about the tokens beyond how many there are.
import { createHash, timingSafeEqual } from "node:crypto";

/** Proxies hold a reader credential (tables, reports); energy sources and operators a writer one. */
export type Role = "reader" | "writer";

export const ROLES: readonly Role[] = ["reader", "writer"];

const digest = (token: string): Buffer => createHash("sha256").update(token, "utf8").digest();

export class Credentials {
  private constructor(private readonly entries: ReadonlyArray<{ digest: Buffer; role: Role }>) {}

  /** Tokens already validated (credential-sources.ts); a token in both roles is refused there. */
  static fromTokens(tokens: { reader: readonly string[]; writer: readonly string[] }): Credentials {
    const seen = new Set<string>();
    const entries: Array<{ digest: Buffer; role: Role }> = [];
    for (const role of ROLES) {
      for (const token of tokens[role]) {
        if (seen.has(token)) continue;
        seen.add(token);
        entries.push({ digest: digest(token), role });
      }
    }
    return new Credentials(entries);
  }

  /** None at all: every protected endpoint refuses every call. */
  static none(): Credentials {
    return new Credentials([]);
  }

  /** The role `token` was issued for, or null when it is not a known credential. */
  roleOf(token: string): Role | null {
    const presented = digest(token);
    let role: Role | null = null;
    for (const entry of this.entries) {
      if (timingSafeEqual(entry.digest, presented)) role = entry.role;
    }
    return role;
  }

  count(role: Role): number {
    return this.entries.filter((e) => e.role === role).length;
  }

  /** What a log line may show: counts only. */
  toJSON(): { reader: number; writer: number } {
    return { reader: this.count("reader"), writer: this.count("writer") };
  }
}

/** A writer credential is accepted wherever a reader one is. */
export function satisfies(held: Role, required: Role): boolean {
  return held === "writer" || required === "reader";
}
