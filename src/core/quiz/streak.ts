/**
 * A user's run of daily quizzes of one server answered correctly. Daily quizzes of a server are
 * numbered 1, 2, 3...; `last` is the number of the last one answered correctly.
 */
export interface Streak {
  current: number;
  best: number;
  last: number;
}

export const noStreak: Streak = { current: 0, best: 0, last: 0 };

/** The streak after the user's answer to daily quiz `number` was scored. */
export function scoreAnswer(streak: Streak, number: number, correct: boolean): Streak {
  if (!correct) return { ...streak, current: 0 };
  const current = streak.last === number - 1 ? streak.current + 1 : 1;
  return { current, best: Math.max(streak.best, current), last: number };
}

/**
 * The streak as it stands once daily quiz `latestScored` was scored: a quiz the user skipped
 * breaks it, which no answer recorded, so it is noticed here.
 */
export function currentStreak(streak: Streak, latestScored: number): number {
  return streak.last >= latestScored ? streak.current : 0;
}
