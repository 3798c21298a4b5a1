export interface Score {
  userId: string;
  score: number;
}

export interface RankedScore extends Score {
  rank: number;
}

/** Competition ranking ("1, 2, 2, 4"): equal scores share a rank. `scores` must be sorted best first. */
export function rankScores(scores: Score[]): RankedScore[] {
  const ranked: RankedScore[] = [];
  scores.forEach((entry, index) => {
    const previous = ranked[index - 1];
    ranked.push({ ...entry, rank: previous !== undefined && previous.score === entry.score ? previous.rank : index + 1 });
  });
  return ranked;
}
