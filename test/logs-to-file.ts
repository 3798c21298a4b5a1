import { mkdirSync } from "node:fs";
import { sendLogsToFile } from "../src/log.js";

/**
 * Every test file's own logs (the app, the queue, the sandbox) go to .data/test.log, appended, instead of
 * between vitest's results; a failing test's story is there. Programs the tests start log where they always do.
 */
mkdirSync(".data", { recursive: true });
sendLogsToFile(".data/test.log");
