import { createHash } from "node:crypto";
import type { Question } from "../content/load.js";

/**
 * The order a question's choices are shown in on one message: a permutation fixed by `seed` (the quiz's id:
 * the /quiz interaction, the daily quiz's server and date) and the question, so the buttons, the scoring and
 * the reveal of that message all agree, while the right answer lands in every position across messages.
 * `shuffle: false` in the question pins the authored order ("all of the above").
 */
export function choiceOrder(question: Pick<Question, "id" | "choices" | "shuffle">, seed: string): number[] {
  const order = question.choices.map((_, index) => index);
  if (!question.shuffle) return order;
  const random = createHash("sha256").update(`${seed}\0${question.id}`).digest();
  // Fisher–Yates on the hash's 32-bit words: at most 4 choices, so 3 words; the modulo bias is below 1e-9.
  for (let index = order.length - 1; index > 0; index--) {
    const other = random.readUInt32BE(4 * index) % (index + 1);
    [order[index], order[other]] = [order[other]!, order[index]!];
  }
  return order;
}

/** The question as one message shows it: `choices` in their shown order, `answer` the shown position of the right one. */
export function shownQuestion(question: Question, seed: string): Question {
  const order = choiceOrder(question, seed);
  return { ...question, choices: order.map((index) => question.choices[index]!), answer: order.indexOf(question.answer) };
}
