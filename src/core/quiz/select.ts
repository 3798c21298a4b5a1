import type { Question } from "../content/load.js";

export type Difficulty = 1 | 2 | 3;

export interface QuestionFilter {
  concept?: string;
  difficulty?: Difficulty;
}

export function questionsMatching(questions: Question[], filter: QuestionFilter): Question[] {
  return questions.filter(
    (question) =>
      (filter.concept === undefined || question.concept === filter.concept) &&
      (filter.difficulty === undefined || question.difficulty === filter.difficulty),
  );
}

export interface Pick {
  question: Question;
  /** Every candidate had been seen: the caller forgets them before recording this pick, starting a new round. */
  newRound: boolean;
}

/**
 * A random candidate not in `seen`; when every candidate was seen, a random one of all of them,
 * so nobody sees a question twice before they have seen all that their filter allows.
 */
export function pickUnseen(candidates: Question[], seen: ReadonlySet<string>, random: () => number = Math.random): Pick | undefined {
  if (candidates.length === 0) return undefined;
  const unseen = candidates.filter((question) => !seen.has(question.id));
  const pool = unseen.length > 0 ? unseen : candidates;
  return { question: pool[Math.floor(random() * pool.length)]!, newRound: unseen.length === 0 };
}

export function isCorrect(question: Question, choice: number): boolean {
  return question.answer === choice;
}

export const choiceLetter = (index: number) => String.fromCharCode(65 + index);
