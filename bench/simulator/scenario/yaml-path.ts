// YAML paths as messages print them (`sites[3].battery.wh`), with the line and column of the
// node in the scenario file when it exists (else of the nearest enclosing node that does).
import { LineCounter, isNode, type Document } from "yaml";

export type YamlPath = readonly (string | number)[];

export function formatPath(path: YamlPath): string {
  if (path.length === 0) return "(top level)";
  return path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? p : `.${p}`)).join("");
}

/** `file:line:column: path` for a path in `doc`. */
export function locator(file: string, doc: Document, lines: LineCounter): (path: YamlPath) => string {
  return (path) => {
    for (let n = path.length; n >= 0; n--) {
      const node = doc.getIn(path.slice(0, n), true);
      if (isNode(node) && node.range !== undefined && node.range !== null) {
        const pos = lines.linePos(node.range[0]);
        return `${file}:${pos.line}:${pos.col}: ${formatPath(path)}`;
      }
    }
    return `${file}: ${formatPath(path)}`;
  };
}
