// The real HiGHS solver, loaded once per test file.
import { loadPlanSolver, type PlanSolver } from "../../../../controller/plan/predictive/plan-solver.js";

export function loadTestSolver(): Promise<PlanSolver> {
  return loadPlanSolver();
}
