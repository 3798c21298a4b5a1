import Fuse from "fuse.js";
import type { Concept } from "./schema.js";

/** Discord shows at most 25 autocomplete choices. */
export const MAX_SUGGESTIONS = 25;

interface SearchEntry {
  id: string;
  title: string;
  aliases: string[];
}

/** Finds concepts by id, title or alias, tolerant of typos ("gahter" finds gather). */
export class ConceptIndex {
  private readonly fuse: Fuse<SearchEntry>;
  private readonly byName = new Map<string, string>();

  constructor(private readonly concepts: Map<string, Concept>) {
    const entries = [...concepts.values()].map(({ id, title, aliases }) => ({ id, title, aliases }));
    for (const entry of entries) {
      for (const name of [entry.id, entry.title, ...entry.aliases]) this.byName.set(normalise(name), entry.id);
    }
    this.fuse = new Fuse(entries, {
      keys: [
        { name: "id", weight: 3 },
        { name: "aliases", weight: 2 },
        { name: "title", weight: 1 },
      ],
      includeScore: true,
      ignoreLocation: true,
      threshold: 0.4,
    });
  }

  /** The concept a learner meant, when the text names one exactly (id, title or alias, any case). */
  find(text: string): Concept | undefined {
    const id = this.byName.get(normalise(text));
    return id === undefined ? undefined : this.concepts.get(id);
  }

  /** Best matches first; the empty query lists concepts in file order. */
  suggest(text: string, limit = MAX_SUGGESTIONS): Concept[] {
    const query = normalise(text);
    if (query === "") return [...this.concepts.values()].slice(0, limit);
    const exact = this.find(query);
    const ranked = this.fuse.search(query, { limit: limit + 1 }).map((result) => this.concepts.get(result.item.id)!);
    const ordered = exact ? [exact, ...ranked.filter((concept) => concept.id !== exact.id)] : ranked;
    return ordered.slice(0, limit);
  }
}

function normalise(text: string): string {
  return text.trim().toLowerCase().replace(/^\/?explain\s+/, "").replace(/\s+/g, " ");
}
