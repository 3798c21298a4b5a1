/** `npm run bench`: every benchmark, one after another, each printing its figures side by side. */
const benches = [
  { name: "content", load: () => import("./explain.js") },
  { name: "run", load: () => import("./run.js") },
  { name: "daily", load: () => import("./daily.js") },
  { name: "timeline", load: () => import("./timeline.js") },
  { name: "results", load: () => import("./results.js") },
];

const only = process.argv.slice(2);
for (const bench of benches.filter((candidate) => only.length === 0 || only.includes(candidate.name))) {
  await (await bench.load()).runBench();
}
process.exit(0);
