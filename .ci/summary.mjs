// The closing line of a CI run, "N passed, N failed", from the JSON reports and printed summaries of its vitest
// runs: node .ci/summary.mjs EXIT_STATUS REPORT.json LOG [REPORT.json LOG ...]
// "failed" counts every way a run goes red: failed tests, test files that failed before any test ran (an import
// error, a failing beforeAll), and unhandled errors (vitest prints "Errors  N error" and exits 1), so a red run
// never reads as "0 failed".
import { existsSync, readFileSync } from "node:fs";

const [exitStatus, ...files] = process.argv.slice(2);
const status = Number(exitStatus);
const details = [];
let passed = 0;
let failed = 0;

for (let index = 0; index < files.length; index += 2) {
  const [reportPath, logPath] = [files[index], files[index + 1]];
  if (existsSync(reportPath)) {
    const report = JSON.parse(readFileSync(reportPath, "utf8"));
    passed += report.numPassedTests;
    failed += report.numFailedTests;
    if (report.numFailedTests > 0) details.push(`${report.numFailedTests} failed test(s)`);
    const filesFailedOutright = report.testResults.filter(
      (file) => file.status === "failed" && !file.assertionResults.some((test) => test.status === "failed"),
    );
    failed += filesFailedOutright.length;
    for (const file of filesFailedOutright) details.push(`test file failed before its tests ran: ${file.name}`);
  } else {
    failed += 1;
    details.push(`no report from the run logged in ${logPath} (it ended before its tests finished)`);
  }
  const log = existsSync(logPath) ? readFileSync(logPath, "utf8").replace(/\x1b\[[0-9;]*m/g, "") : "";
  const errors = Number(/^\s+Errors\s+(\d+) error/m.exec(log)?.[1] ?? 0);
  failed += errors;
  if (errors > 0) details.push(`${errors} unhandled error(s) (see "Unhandled Errors" above)`);
}

if (status !== 0 && failed === 0) {
  failed = 1;
  details.push(`the test command exited ${status}`);
}
for (const detail of details) console.log(`failed: ${detail}`);
console.log(`${passed} passed, ${failed} failed`);
