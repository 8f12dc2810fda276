#!/usr/bin/env node
// Process entry point for solar-ledger; all behaviour is in main.ts.
import { main } from "./main.js";

process.exitCode = await main(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
});
