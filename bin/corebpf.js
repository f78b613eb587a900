#!/usr/bin/env node
// Entry point: the compiled CLI lives in dist/ (built by `npm ci` via `prepare`).
import { main } from "../dist/src/cli/main.js";

// A reader that goes away (`corebpf ... | head`) ends the command quietly, as
// it does for bpftool; kernel objects are released with the process's fds.
process.stdout.on("error", (err) => {
  if (err.code !== "EPIPE") throw err;
  process.exit(process.exitCode ?? 0);
});

process.exitCode = await main(process.argv.slice(2));
