import { loadContent } from "../src/core/content/load.js";
import { ConceptIndex } from "../src/core/content/search.js";
import { explainReplies } from "../src/core/explain.js";
import { renderForDiscord } from "../src/discord/render.js";
import { formatMs, percentile, timeEach } from "./stats.js";

/** Autocomplete and /explain handler time over the whole content set (Discord wants autocomplete fast). */
export async function runBench(): Promise<void> {
  const content = loadContent("content");
  const index = new ConceptIndex(content.concepts);
  const concepts = [...content.concepts.values()];
  const typed = concepts.flatMap((concept) => [concept.id.slice(0, 3), concept.title, concept.aliases[0] ?? concept.id, `${concept.id.slice(0, 4)}x`]);
  const autocomplete = await timeEach(2000, (i) => index.suggest(typed[i % typed.length]!));
  const explain = await timeEach(2000, (i) => {
    const concept = concepts[i % concepts.length]!;
    return explainReplies(index.find(concept.title) ?? concept, content.concepts).map(renderForDiscord);
  });
  console.log(`\n## Content (${concepts.length} concepts)`);
  console.log(`autocomplete: p50 ${formatMs(percentile(autocomplete, 50))}, p99 ${formatMs(percentile(autocomplete, 99))}`);
  console.log(`/explain handler (find + build + render): p50 ${formatMs(percentile(explain, 50))}, p99 ${formatMs(percentile(explain, 99))}`);
}
