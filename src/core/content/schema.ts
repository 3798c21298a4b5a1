import { z } from "zod";

const id = z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, "expected lowercase letters, digits and dashes");

const pythonVersion = z.string().regex(/^3\.\d+$/, 'expected a version like "3.11"');

const docsLink = z.object({
  title: z.string().min(1).max(100),
  url: z.string().regex(/^https:\/\/docs\.python\.org\/3\/[\w./-]+(#[\w.-]+)?$/, "expected a link into https://docs.python.org/3/"),
});

/** Front-matter of content/concepts/<id>.md; the Markdown after it is the explanation. */
export const conceptFrontMatter = z.strictObject({
  id,
  title: z.string().min(1).max(100),
  aliases: z.array(z.string().min(1).max(60)).max(20).default([]),
  summary: z.string().min(1).max(200),
  python: pythonVersion,
  docs: z.array(docsLink).min(1).max(3),
  related: z.array(id).min(1).max(5),
  example: z.strictObject({
    code: z.string().min(1).max(1500),
    output: z.string().max(1500),
    /** What an older Python prints instead of `output` (the newest Python's), keyed by version. */
    outputs: z.record(pythonVersion, z.string().max(1500)).optional(),
  }),
});

export const conceptBody = z.string().min(1, "the explanation after the front-matter is empty").max(2500);

export type ConceptFrontMatter = z.infer<typeof conceptFrontMatter>;
export interface Concept extends ConceptFrontMatter {
  body: string;
  file: string;
}

const questionKind = z.enum(["multiple-choice", "predict-output", "predict-duration"]);

/** One question of content/quizzes/<concept>.yaml. */
export const quizQuestion = z
  .strictObject({
    id,
    concept: id,
    difficulty: z.union([z.literal(1), z.literal(2), z.literal(3)]),
    kind: questionKind,
    question: z.string().min(1).max(300),
    code: z.string().min(1).max(1500).optional(),
    choices: z.array(z.string().min(1).max(200)).min(2).max(4),
    answer: z.number().int().min(0),
    explanation: z.string().min(1).max(600),
    /** The minimum Python version where the question holds; the check skips older ones. */
    python: pythonVersion.optional(),
    /** false pins the order of the choices (e.g. for "all of the above"); otherwise they are shuffled when shown. */
    shuffle: z.boolean().optional(),
  })
  .refine((question) => question.answer < question.choices.length, {
    path: ["answer"],
    error: "must be the index of one of the choices (0 is the first)",
  })
  .refine((question) => question.kind === "multiple-choice" || question.code !== undefined, {
    path: ["code"],
    error: "predict questions need the code to predict",
  })
  .refine((question) => new Set(question.choices).size === question.choices.length, {
    path: ["choices"],
    error: "two choices are the same",
  });

export const quizFile = z.array(quizQuestion).min(1);
export type QuizQuestion = z.infer<typeof quizQuestion>;
