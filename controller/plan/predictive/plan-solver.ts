// The linear program solver behind the predictive planner: HiGHS compiled to WebAssembly. Loading
// the Wasm is asynchronous and happens once; each solve is synchronous, builds a fresh model from
// sparse arrays, runs it under the cycle's time limit and disposes it.
import * as highsModule from "highs";
import type { Highs } from "highs";

/** minimise colCost·x subject to rowLower ≤ A x ≤ rowUpper, colLower ≤ x ≤ colUpper (A row-wise). */
export interface LinearProgram {
  readonly numCols: number;
  readonly numRows: number;
  readonly colCost: Float64Array;
  readonly colLower: Float64Array;
  readonly colUpper: Float64Array;
  readonly rowLower: Float64Array;
  readonly rowUpper: Float64Array;
  /** CSR: row r's entries are rowStarts[r] .. rowStarts[r + 1] − 1 of columns and values. */
  readonly rowStarts: Int32Array;
  readonly columns: Int32Array;
  readonly values: Float64Array;
}

export type SolveResult =
  | { readonly status: "optimal"; readonly x: Float64Array; readonly objective: number }
  | { readonly status: "infeasible" | "time_limit" | "error"; readonly detail: string };

export interface PlanSolver {
  /** Never throws: a failure of any kind is a result with a status and a detail. */
  solve(lp: LinearProgram, timeLimitSeconds: number): SolveResult;
}

let loading: Promise<PlanSolver> | null = null;

/** The HiGHS solver, loaded once per process; later calls share it. */
export function loadPlanSolver(): Promise<PlanSolver> {
  const pending = loading ?? highsLoader()().then(highsSolver, (error: unknown) => {
    loading = null;
    throw error;
  });
  loading = pending;
  return pending;
}

type HighsLoader = () => Promise<Highs>;

/** The package's loader: its ES module exports it as default, its CommonJS form under `default`. */
function highsLoader(): HighsLoader {
  const exported: unknown = (highsModule as { default?: unknown }).default;
  if (typeof exported === "function") return exported as HighsLoader;
  const nested: unknown = (exported as { default?: unknown } | undefined)?.default;
  if (typeof nested === "function") return nested as HighsLoader;
  throw new Error("highs: no loader function exported");
}

function highsSolver(highs: Highs): PlanSolver {
  const status = highs.constants.modelStatus;
  return {
    solve(lp, timeLimitSeconds) {
      let model: ReturnType<Highs["createModel"]> | null = null;
      try {
        model = highs.createModel({
          numCols: lp.numCols,
          numRows: lp.numRows,
          colCost: lp.colCost,
          colLower: lp.colLower,
          colUpper: lp.colUpper,
          rowLower: lp.rowLower,
          rowUpper: lp.rowUpper,
          matrix: {
            format: "csr",
            numRows: lp.numRows,
            numCols: lp.numCols,
            starts: lp.rowStarts,
            indices: lp.columns,
            values: lp.values,
          },
        });
        // One thread and a fixed seed: the same program gives the same vertex every time. Presolve
        // off: on these programs (a few hundred rows) it costs more than it saves (bench/predictive-planner.ts).
        model.options.set({ output_flag: false, time_limit: timeLimitSeconds, random_seed: 0, presolve: "off" });
        const { modelStatus } = model.run();
        if (modelStatus === status.optimal) {
          return { status: "optimal", x: model.getSolution().colValue, objective: model.getObjectiveValue() };
        }
        if (modelStatus === status.infeasible || modelStatus === status.unboundedOrInfeasible) {
          return { status: "infeasible", detail: `HiGHS model status ${modelStatus}` };
        }
        if (modelStatus === status.timeLimit) return { status: "time_limit", detail: `over ${timeLimitSeconds * 1000} ms` };
        return { status: "error", detail: `HiGHS model status ${modelStatus}` };
      } catch (error) {
        return { status: "error", detail: error instanceof Error ? error.message : String(error) };
      } finally {
        model?.dispose();
      }
    },
  };
}
