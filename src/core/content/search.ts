import Fuse from "fuse.js";
import { CHOICE_LABEL_MAX, CHOICES_MAX } from "../discord-limits.js";
import type { Choice } from "../reply.js";
import type { Concept } from "./schema.js";

/** One name a learner may type for a concept: its id, its title or one of its aliases. */
interface ConceptName {
  id: string;
  name: string;
}

/**
 * Finds concepts by id, title or alias, tolerant of typos ("gahter" finds gather). Each name is matched on its
 * own, so a concept with many aliases that each half-match does not outrank one that matches exactly.
 */
export class ConceptIndex {
  private readonly names: ConceptName[];
  private readonly fuse: Fuse<ConceptName>;
  private readonly byName = new Map<string, string>();

  /** `concepts` in the learning path's order (content/CONCEPTS.txt), which the empty query lists. */
  constructor(private readonly concepts: Map<string, Concept>) {
    this.names = [...concepts.values()].flatMap(({ id, title, aliases }) =>
      [id, title, ...aliases].map((name) => ({ id, name: normalise(name) })),
    );
    for (const { id, name } of this.names) if (!this.byName.has(looseKey(name))) this.byName.set(looseKey(name), id);
    this.fuse = new Fuse(this.names, { keys: ["name"], includeScore: true, threshold: 0.4 });
  }

  /**
   * The concept a learner meant, when the text names one (id, title or alias, any case), also as typed in
   * code or prose: in quotes or backticks, with `()`, with the `asyncio.` prefix or another dotted path
   * (`asyncio.Task.cancel`), with `_`, `-` or spaces between words, or in the plural ("semaphores").
   */
  find(text: string): Concept | undefined {
    for (const variant of variants(text)) {
      const id = this.byName.get(looseKey(variant));
      if (id !== undefined) return this.concepts.get(id);
    }
    return undefined;
  }

  /**
   * Best matches first: an exact name, then names that start with the text (shortest first), then fuzzy
   * matches (of the whole text, else of its words). The empty query lists concepts in file order.
   */
  suggest(text: string, limit = CHOICES_MAX): Concept[] {
    const query = normalise(unwrapped(text));
    if (query === "") return [...this.concepts.values()].slice(0, limit);
    const prefixed = this.names
      .filter(({ name }) => name.startsWith(query))
      .sort((a, b) => a.name.length - b.name.length)
      .map(({ id }) => id);
    const words = query.split(" ").filter((word) => word.length >= 3);
    const fuzzy = this.fuzzy(query);
    if (fuzzy.length === 0 && words.length > 1) fuzzy.push(...words.flatMap((word) => this.fuzzy(word)));
    const exact = this.find(text)?.id;
    const ranked = new Set([...(exact ? [exact] : []), ...prefixed, ...fuzzy]);
    return [...ranked].slice(0, limit).map((id) => this.concepts.get(id)!);
  }

  /** Autocomplete choices for a topic option: the suggestions, shown by title, chosen by id. */
  choices(text: string): Choice[] {
    return this.suggest(text).map((concept) => ({ label: concept.title.slice(0, CHOICE_LABEL_MAX), value: concept.id }));
  }

  /** Fuzzy matches, best first; among equal scores the name closest in length to the text wins ("gahter": gather). */
  private fuzzy(query: string): string[] {
    return this.fuse
      .search(query)
      .map((result) => ({ id: result.item.id, score: Math.round(result.score! * 100), lengthGap: Math.abs(result.item.name.length - query.length) }))
      .sort((a, b) => a.score - b.score || a.lengthGap - b.lengthGap)
      .map(({ id }) => id);
  }
}

function normalise(text: string): string {
  return text.trim().toLowerCase().replace(/\s+/g, " ");
}

/** Names compare with `_`, `-` and spaces alike: "as_completed", "as-completed" and "as completed" are one name. */
function looseKey(name: string): string {
  return normalise(name).replace(/[\s_-]+/g, " ");
}

/** The text without what wraps a name in prose or code: quotes, backticks, a call's parentheses. */
function unwrapped(text: string): string {
  return text
    .trim()
    .replace(/^(["'`“‘]+)(.*?)(["'`”’]+)$/s, "$2")
    .replace(/\(\s*\)$/, "")
    .trim();
}

/** Ever looser readings of a typed topic, tried in order until one names a concept. */
function variants(text: string): string[] {
  const plain = unwrapped(text);
  const withoutPrefix = plain.replace(/^asyncio\./i, "");
  const lastPart = withoutPrefix.split(".").filter(Boolean).at(-1) ?? withoutPrefix;
  const forms = [text, plain, withoutPrefix, lastPart];
  const singulars = forms.flatMap((form) => [form.replace(/(?<=\w)s$/i, ""), form.replace(/(?<=\w)es$/i, "")]);
  return [...new Set([...forms, ...singulars])];
}
