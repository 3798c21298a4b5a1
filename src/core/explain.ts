import type { Concept } from "./content/schema.js";
import type { ConceptIndex } from "./content/search.js";
import { codeBlock, reflowParagraphs, splitMarkdown } from "./markdown.js";
import { BUTTON_LABEL_MAX, CARD_BODY_MAX, CARDS_PER_MESSAGE_MAX, cardSize, CHOICE_LABEL_MAX, MESSAGE_CARDS_MAX } from "./discord-limits.js";
import { actionId, type Card, type Reply } from "./reply.js";

function explanationCards(concept: Concept): Card[] {
  const text = `*${concept.summary}*\n\n${reflowParagraphs(concept.body)}`;
  return splitMarkdown(text, CARD_BODY_MAX).map((body, index) => ({
    title: index === 0 ? concept.title : `${concept.title} (continued)`,
    url: index === 0 ? concept.docs[0]!.url : undefined,
    body,
    tone: "info" as const,
  }));
}

function exampleCard(concept: Concept): Card {
  return {
    title: "Example",
    body: `${codeBlock(concept.example.code.trimEnd(), "py")}\nIt prints:\n${codeBlock(concept.example.output.trimEnd())}`,
    fields: [
      { name: "Python docs", value: concept.docs.map((doc) => `[${doc.title}](${doc.url})`).join("\n"), inline: true },
      { name: "Needs", value: `Python ${concept.python}+`, inline: true },
    ],
    footer: "Press Run example to run it in Loopy's sandbox.",
    tone: "info",
  };
}

/** Groups cards into messages that respect the per-message limit; returns at least one message. */
function packCards(cards: Card[]): Card[][] {
  const messages: Card[][] = [[]];
  let size = 0;
  for (const card of cards) {
    const current = messages[messages.length - 1]!;
    if (current.length > 0 && (size + cardSize(card) > MESSAGE_CARDS_MAX || current.length === CARDS_PER_MESSAGE_MAX)) {
      messages.push([card]);
      size = cardSize(card);
    } else {
      current.push(card);
      size += cardSize(card);
    }
  }
  return messages;
}

/**
 * The answer to /explain: the explanation, the example and its output, a link to the docs,
 * related concepts to open next, and a button to run the example. Usually one message; a long concept
 * becomes several, split between paragraphs and never inside a code block.
 */
export function explainReplies(concept: Concept, concepts: Map<string, Concept>): Reply[] {
  const messages = packCards([...explanationCards(concept), exampleCard(concept)]);
  const related = concept.related.map((id) => concepts.get(id)).filter((found): found is Concept => found !== undefined);
  const replies: Reply[] = messages.map((cards) => ({ cards }));
  const last = replies[replies.length - 1]!;
  last.buttons = [
    [
      { label: "Run example", action: actionId("run", "example", concept.id), style: "primary" },
      { label: "Python docs", url: concept.docs[0]!.url },
    ],
  ];
  last.menu = {
    action: actionId("explain", "open"),
    placeholder: "Related concepts",
    choices: related.map((other) => ({ label: shortened(other.title, CHOICE_LABEL_MAX), value: other.id, description: shortened(other.summary, CHOICE_LABEL_MAX) })),
  };
  return replies;
}

/** At most `max` characters of `text`, cut at a word with "…" when it is longer. */
export function shortened(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max - 1);
  const atWord = cut.replace(/\s+\S*$/, "");
  return `${(atWord.length >= max / 2 ? atWord : cut).replace(/[\s,.;:]+$/, "")}…`;
}

/** What a "did you mean" button of each command does with the concept it names. */
const topicActions = { explain: "show", quiz: "topic" } as const;

/**
 * For a topic that names no concept: a polite answer with the closest concepts as buttons that redo the
 * command (/explain or /quiz) with that concept, and `keep` (the command's other options) after it; with
 * nothing close, the start of the learning path.
 */
export function unknownTopicReply(topic: string, index: ConceptIndex, command: keyof typeof topicActions = "explain", keep: string[] = []): Reply {
  const closest = index.suggest(topic, 5);
  const offered = closest.length > 0 ? closest : index.suggest("", 5);
  const shownTopic = shortened(topic, 80);
  return {
    private: true,
    cards: [
      {
        title: "I don't know that topic yet",
        body:
          closest.length > 0
            ? `Nothing is called "${shownTopic}". Did you mean one of these?`
            : `Nothing is called "${shownTopic}". Here is where the learning path starts; \`/${command}\` suggests every topic as you type.`,
        tone: "warning",
      },
    ],
    buttons: [offered.map((concept) => ({ label: shortened(concept.title, BUTTON_LABEL_MAX), action: actionId(command, topicActions[command], concept.id, ...keep), style: "secondary" as const }))],
  };
}
