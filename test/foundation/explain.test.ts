import { describe, expect, it } from "vitest";
import { loadContent } from "../../src/core/content/load.js";
import { ConceptIndex } from "../../src/core/content/search.js";
import { explainReplies, unknownTopicReply } from "../../src/core/explain.js";
import { reflowParagraphs } from "../../src/core/markdown.js";
import { renderForDiscord } from "../../src/discord/render.js";

const content = loadContent("content");
const index = new ConceptIndex(content.concepts);

describe("concept search (autocomplete)", () => {
  it.each([
    ["gath", "gather"],
    ["gahter", "gather"],
    ["asyncio.gather", "gather"],
    ["event loop", "event-loop"],
    ["TaskGroup", "task-group"],
    ["create_task", "tasks"],
    ["never awaited", "never-awaited"],
    ["semaphore", "semaphore"],
  ])("ranks the right concept first for %j", (typed, id) => {
    expect(index.suggest(typed)[0]?.id).toBe(id);
  });

  it("offers at most 25 choices, also for an empty query", () => {
    expect(index.suggest("").length).toBe(Math.min(25, content.concepts.size));
    expect(index.suggest("a").length).toBeLessThanOrEqual(25);
  });

  it("finds concepts by exact id, title or alias in any case", () => {
    expect(index.find("GATHER")?.id).toBe("gather");
    expect(index.find("nonsense words")).toBeUndefined();
  });
});

const embedSize = (embed: { title?: string; description?: string; footer?: { text: string }; fields?: { name: string; value: string }[] }) =>
  (embed.title?.length ?? 0) + (embed.description?.length ?? 0) + (embed.footer?.text.length ?? 0) +
  (embed.fields ?? []).reduce((sum, field) => sum + field.name.length + field.value.length, 0);

describe("/explain replies fit Discord's limits", () => {
  for (const concept of content.concepts.values()) {
    it(`${concept.id}`, () => {
      const replies = explainReplies(concept, content.concepts);
      expect(replies.length).toBeGreaterThanOrEqual(1);
      for (const reply of replies) {
        const { body } = renderForDiscord(reply);
        const embeds = body.embeds ?? [];
        expect(embeds.length).toBeLessThanOrEqual(10);
        expect(embeds.reduce((sum, embed) => sum + embedSize(embed), 0)).toBeLessThanOrEqual(6000);
        for (const embed of embeds) {
          expect(embed.title?.length ?? 0).toBeLessThanOrEqual(256);
          expect(embed.description?.length ?? 0).toBeLessThanOrEqual(4096);
          expect(((embed.description ?? "").match(/```/g) ?? []).length % 2).toBe(0);
          for (const field of embed.fields ?? []) expect(field.value.length).toBeLessThanOrEqual(1024);
        }
        expect(body.components?.length ?? 0).toBeLessThanOrEqual(5);
        expect(body.allowed_mentions).toEqual({ parse: [] });
      }
      const last = renderForDiscord(replies.at(-1)!).body;
      const flat = JSON.stringify(last.components);
      expect(flat).toContain(`"custom_id":"run:example:${concept.id}"`);
      expect(flat).toContain(concept.docs[0]!.url);
    });
  }

  it("the whole explanation and the example appear, in order", () => {
    const gather = content.concepts.get("gather")!;
    const text = explainReplies(gather, content.concepts)
      .flatMap((reply) => reply.cards ?? [])
      .map((card) => card.body)
      .join("\n");
    expect(text).toContain(reflowParagraphs(gather.body));
    expect(text.indexOf(reflowParagraphs(gather.body))).toBeLessThan(text.indexOf(gather.example.code.trimEnd()));
    // Re-flowed: the author's hard-wrapped paragraph lines are joined, so Discord wraps them to the screen.
    const wrapped = gather.body.split("\n").find((line, index, lines) => /^[A-Za-z`*]/.test(line) && /^[A-Za-z`]/.test(lines[index + 1] ?? ""));
    expect(wrapped).toBeDefined();
    expect(text).not.toContain(`${wrapped}\n`);
  });
});

describe("an unknown topic", () => {
  it("answers privately with the closest concepts", () => {
    const reply = unknownTopicReply("gathr stuff", index);
    expect(reply.private).toBe(true);
    const labels = (reply.buttons ?? []).flat().map((button) => button.label);
    expect(labels.length).toBeGreaterThan(0);
    expect(labels.length).toBeLessThanOrEqual(5);
  });
});
