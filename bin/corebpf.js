#!/usr/bin/env node
// Entry point: the compiled CLI lives in dist/ (built by `npm ci` via `prepare`).
import { main } from "../dist/src/cli/main.js";

process.exitCode = await main(process.argv.slice(2));
