import { describe, expect, it } from "vitest";
import { choiceOrder, shownQuestion } from "../../src/core/quiz/shuffle.js";
import { quizQuestion } from "../../src/core/content/schema.js";
import { bank } from "./helpers.js";

const question = bank.questions.find((candidate) => candidate.id === "alpha-idea")!;
const seeds = Array.from({ length: 400 }, (_, index) => `message-${index}`);

describe("the order of a question's choices on a message", () => {
  it("is one permutation per seed, the same every time it is asked for", () => {
    for (const seed of seeds.slice(0, 20)) {
      const order = choiceOrder(question, seed);
      expect([...order].sort()).toEqual([0, 1, 2, 3]);
      expect(choiceOrder(question, seed)).toEqual(order);
    }
  });

  it("moves the right answer with its text, and puts it in every position about equally often", () => {
    const counts = [0, 0, 0, 0];
    for (const seed of seeds) {
      const shown = shownQuestion(question, seed);
      expect(shown.choices[shown.answer]).toBe(question.choices[question.answer]);
      expect(new Set(shown.choices)).toEqual(new Set(question.choices));
      counts[shown.answer]!++;
    }
    // 100 expected in each.
    for (const count of counts) expect(count).toBeGreaterThan(60);
  });

  it("keeps the authored order when a question sets shuffle: false, and shuffles by default", () => {
    const authored = { ...question, choices: ["1", "2", "Both 1 and 2", "None of the above"] };
    const pinned = quizQuestion.parse({ ...withoutFile(authored), shuffle: false });
    expect(pinned.shuffle).toBe(false);
    for (const seed of seeds) expect(shownQuestion({ ...pinned, file: "x" }, seed)).toMatchObject({ choices: authored.choices, answer: authored.answer });
    expect(quizQuestion.parse(withoutFile(authored)).shuffle).toBe(true);
    expect(quizQuestion.safeParse({ ...withoutFile(authored), shuffle: "no" }).success).toBe(false);
  });
});

function withoutFile<T extends { file: string; shuffle: boolean }>(value: T): Omit<T, "file" | "shuffle"> {
  const { file: _file, shuffle: _shuffle, ...rest } = value;
  return rest;
}
