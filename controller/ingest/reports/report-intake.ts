// A report's way in, after the HTTP edge: budget, decode, the controller's rules, the responses
// credit, and only then the observations. A refused report changes no observation; the only
// trace it leaves is that its reporter's later responses are not held against it (the filter
// dropped the refused counts). docs/reports.md, "What the controller takes", lists every rule.
import { ControllerError } from "../../errors/controller-error.js";
import { checkReport, type KnownTables, type RefusalReason } from "./check-report.js";
import { decodeReport } from "./decode.js";
import type { Observations } from "./observations.js";
import { ReportBudget, type Admission } from "./report-budget.js";
import { resolveReportOptions, type ReportOptions } from "./report-options.js";
import { ResponseCredit, type CreditEntry } from "./response-credit.js";

export interface TakenReport {
  readonly entries: number;
  readonly requests: number;
  /** Entries for a service or upstream the configuration does not name: skipped. */
  readonly unknown: number;
  /** Entries whose responses were more than the credit backs, where the controller could not tell: only their requests taken. */
  readonly unbacked: number;
}

export type Intake =
  | { readonly value: TakenReport; readonly error?: undefined; readonly reason?: undefined }
  | { readonly error: ControllerError; readonly reason: RefusalReason; readonly value?: undefined };

export class ReportIntake {
  readonly options: ReportOptions;
  readonly credit: ResponseCredit;
  private readonly budget: ReportBudget;

  /** Throws ControllerError naming a bad option. */
  constructor(
    private readonly observations: Observations,
    private readonly tables: KnownTables,
    overrides: Partial<ReportOptions> = {},
    startedAtMs: number = Date.now(),
  ) {
    this.options = resolveReportOptions(overrides);
    this.credit = new ResponseCredit(this.options, startedAtMs);
    this.budget = new ReportBudget(this.options, startedAtMs);
  }

  /** Whether a report may be read now (before its body is): over budget, when to come back. */
  admit(nowMs: number): Admission {
    return this.budget.admit(nowMs);
  }

  /** Charges a request that was let in but carries no report (e.g. the wrong content type). */
  charge(bytes: number, nowMs: number): void {
    this.budget.charge(bytes, nowMs);
  }

  /** Charges, decodes, checks and takes in one report body; all of it or nothing. */
  take(bytes: Uint8Array, nowMs: number): Intake {
    this.budget.charge(bytes.length, nowMs);
    const parsed = decodeReport(bytes);
    if (parsed.error) return { error: parsed.error, reason: "malformed" };
    const report = parsed.value;
    const refusal = checkReport(report, nowMs, this.tables, this.options);
    if (refusal !== null) {
      this.credit.lost(report.reporter);
      return refusal;
    }
    const entries: CreditEntry[] = [];
    report.entries.forEach((e, index) => {
      const pair = this.observations.pair(e.service, e.upstream);
      // Entries the configuration does not name are never evidence: no credit kept for them.
      if (pair !== undefined) entries.push({ index, version: e.tableVersion, pair, requests: e.requests, responses: e.responses });
    });
    const credit = this.credit.check(report.reporter, report, entries, nowMs);
    if (credit.refused !== undefined) {
      this.credit.lost(report.reporter);
      const { index, available } = credit.refused;
      const e = report.entries[index]!;
      return {
        reason: "unbacked_responses",
        error: ControllerError.invalid(`report.entries.${index}.responses`,
          `${e.responses} responses, but only ${available} requests of this reporter for table ${e.tableVersion}, ${e.service} → ${e.upstream} are without one`),
      };
    }
    this.credit.commit(report.reporter, report, entries, nowMs, (v) => this.tables.isKnown(v));
    const requestsOnly = new Set(credit.unbacked);
    const { unknown } = this.observations.add(report, nowMs, requestsOnly);
    const requests = report.entries.reduce((n, e) => n + e.requests, 0);
    return { value: { entries: report.entries.length, requests, unknown, unbacked: requestsOnly.size } };
  }
}
