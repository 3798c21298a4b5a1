#!/usr/bin/env node
// Loopy is written in TypeScript and run with tsx, so `npx loopy` needs no build step.
import { register } from "tsx/esm/api";

register();
await import("../src/cli.ts");
