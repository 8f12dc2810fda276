// Collects a linear program's columns and rows into growable typed arrays, so a cycle's program
// is built without an object per coefficient and handed to the solver as they are.
import type { LinearProgram } from "./plan-solver.js";

class Numbers {
  data: Float64Array;
  length = 0;
  constructor(capacity: number) {
    this.data = new Float64Array(Math.max(16, capacity));
  }
  push(v: number): void {
    if (this.length === this.data.length) {
      const next = new Float64Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }
  done(): Float64Array {
    return this.data.slice(0, this.length);
  }
}

class Indices {
  data: Int32Array;
  length = 0;
  constructor(capacity: number) {
    this.data = new Int32Array(Math.max(16, capacity));
  }
  push(v: number): void {
    if (this.length === this.data.length) {
      const next = new Int32Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }
  done(): Int32Array {
    return this.data.slice(0, this.length);
  }
}

export class LpBuilder {
  private readonly cost: Numbers;
  private readonly lower: Numbers;
  private readonly upper: Numbers;
  private readonly rowLower: Numbers;
  private readonly rowUpper: Numbers;
  private readonly rowStarts: Indices;
  private readonly columns: Indices;
  private readonly values: Numbers;

  constructor(expectedCols = 1024, expectedRows = 1024) {
    this.cost = new Numbers(expectedCols);
    this.lower = new Numbers(expectedCols);
    this.upper = new Numbers(expectedCols);
    this.rowLower = new Numbers(expectedRows);
    this.rowUpper = new Numbers(expectedRows);
    this.rowStarts = new Indices(expectedRows + 1);
    this.rowStarts.push(0);
    this.columns = new Indices(expectedRows * 4);
    this.values = new Numbers(expectedRows * 4);
  }

  get numCols(): number {
    return this.cost.length;
  }

  /** Adds a column and returns its index. */
  col(cost: number, lower: number, upper: number): number {
    this.cost.push(cost);
    this.lower.push(lower);
    this.upper.push(upper);
    return this.cost.length - 1;
  }

  /** Adds `cost` to an existing column's objective coefficient. */
  addCost(col: number, cost: number): void {
    this.cost.data[col]! += cost;
  }

  /** Appends a coefficient to the row being built; a row lists each column at most once. */
  term(col: number, value: number): void {
    if (value === 0) return;
    this.columns.push(col);
    this.values.push(value);
  }

  /** Closes the row being built with its bounds. */
  row(lower: number, upper: number): void {
    this.rowLower.push(lower);
    this.rowUpper.push(upper);
    this.rowStarts.push(this.columns.length);
  }

  build(): LinearProgram {
    return {
      numCols: this.cost.length,
      numRows: this.rowLower.length,
      colCost: this.cost.done(),
      colLower: this.lower.done(),
      colUpper: this.upper.done(),
      rowLower: this.rowLower.done(),
      rowUpper: this.rowUpper.done(),
      rowStarts: this.rowStarts.done(),
      columns: this.columns.done(),
      values: this.values.done(),
    };
  }
}
